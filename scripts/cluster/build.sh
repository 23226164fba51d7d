#!/usr/bin/env bash
# Builds the Kubernetes server binaries (and kubectl) from Debian's
# `kubernetes` source package with Debian's Go, once, into $MOORING_CACHE.
# A later run finds them there and returns at once.
set -euo pipefail
source "$(dirname "$0")/common.sh"

components=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl)

built=1
for component in "${components[@]}"; do [[ -x $KUBERNETES_BIN/$component ]] || built=0; done
if [[ $built -eq 1 ]]; then
  log "Kubernetes $KUBERNETES_VERSION binaries already built in $KUBERNETES_BIN"
  exit 0
fi

# 1. Source package: needs a deb-src entry for bookworm.
ensure_packages "${BUILD_PACKAGES[@]}"
sources_file=/etc/apt/sources.list.d/mooring-deb-src.sources
if ! grep -rqs 'deb-src' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  log "adding a deb-src entry for bookworm in $sources_file"
  cat > "$sources_file" <<'SOURCES'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
  apt-get update -qq
fi
source_root=$MOORING_CACHE/src
mkdir -p "$source_root"
tree=$(find "$source_root" -maxdepth 1 -type d -name "kubernetes-*really$KUBERNETES_VERSION" | head -n1)
if [[ -z $tree ]]; then
  log "downloading Debian's kubernetes source package"
  (cd "$source_root" && apt-get source -qq kubernetes 2>&1) | { grep -v "^W: Download is performed unsandboxed" || true; }
  tree=$(find "$source_root" -maxdepth 1 -type d -name "kubernetes-*really$KUBERNETES_VERSION" | head -n1)
  [[ -n $tree ]] || die "apt-get source kubernetes did not produce a kubernetes-*really$KUBERNETES_VERSION tree in $source_root"
fi

# 2. The vendored reflect2 1.0.1 reads Go's map iterator with the layout of
#    Go 1.17 and older, so under Go 1.19 the API server crashes in
#    mapiterinit while encoding JSON; Debian's reflect2 1.0.2 fixes that.
rm -f "$tree"/vendor/github.com/modern-go/reflect2/*.go
cp /usr/share/gocode/src/github.com/modern-go/reflect2/*.go "$tree/vendor/github.com/modern-go/reflect2/"

# 3. Build the way debian/rules does: a GOPATH whose k8s.io/kubernetes is the tree.
log "building ${components[*]} in $tree (about 4 minutes on 2 cores)"
cd "$tree"
mkdir -p .go/src/k8s.io
[[ -L .go/src/k8s.io/kubernetes ]] || ln -s ../../.. .go/src/k8s.io/kubernetes
export GOPATH=$tree/.go PATH=/usr/lib/go/bin:$PATH CGO_ENABLED=0 HOME=${HOME:-/root}
make WHAT="${components[*]/#/cmd/}" > "$MOORING_CACHE/build.log" 2>&1 \
  || die "the Kubernetes build failed; see $MOORING_CACHE/build.log"

# 4. Keep only the binaries.
mkdir -p "$KUBERNETES_BIN"
for component in "${components[@]}"; do
  install -m 0755 "_output/bin/$component" "$KUBERNETES_BIN/$component"
done
log "built into $KUBERNETES_BIN"
