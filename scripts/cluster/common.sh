# shellcheck shell=bash
# Shared settings for the local cluster scripts. Source it; do not run it.
# Everything the cluster keeps lives outside the repository, so that a fresh
# clone reuses the built binaries and a `down` never touches project files.

# shellcheck disable=SC2034 # the scripts that source this file use these settings
KUBERNETES_VERSION=1.20.2
MOORING_CACHE=${MOORING_CACHE:-/var/cache/mooring}
# Raise the build revision when the build changes, so cached binaries are rebuilt.
KUBERNETES_BUILD_REVISION=2
KUBERNETES_BIN=$MOORING_CACHE/kubernetes-$KUBERNETES_VERSION-r$KUBERNETES_BUILD_REVISION/bin
STATE_DIR=${MOORING_STATE:-/var/lib/mooring/cluster}
RUN_DIR=/run/mooring
LOG_DIR=/var/log/mooring
PROJECT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
KUBECONFIG_OUT=$PROJECT_ROOT/.mooring/kubeconfig

# The control plane keeps the name of the original write-up's first machine.
# It is a node too, tainted so that only control-plane work runs on it while
# the cluster has worker nodes.
NODE_NAME=fedora-kubernetes-master
# The name the control plane's node had before the cluster had worker nodes; `up` deletes it.
OLD_NODE_NAME=mooring-local
# Worker nodes beside the control plane (`up.sh --nodes N` or MOORING_NODES).
NODE_COUNT=${MOORING_NODES:-3}
API_PORT=6443
REGISTRY_ADDRESS=127.0.0.1:5000
POD_CIDR=10.244.0.0/24
POD_SUPERNET=10.244.0.0/16
SERVICE_CIDR=10.96.0.0/16
API_SERVICE_IP=10.96.0.1
NODEPORT_RANGE=30000-32767
PAUSE_IMAGE=localhost:5000/mooring/pause:1
# The bridge that joins the control plane and the worker nodes. It also
# carries routes for the whole pod and service ranges, so a packet to an
# address with no pod or Service behind it is dropped on this machine instead
# of following the default route out of it.
MACHINES_BRIDGE=mooring0

# Debian packages the cluster needs at run time, and those its build needs.
RUNTIME_PACKAGES=(etcd-server containerd runc containernetworking-plugins docker-registry
  buildah conntrack iptables iproute2 openssl jq curl socat openssh-server util-linux)
BUILD_PACKAGES=(golang-go golang-github-modern-go-reflect2-dev rsync jq dpkg-dev gcc libc6-dev make)

log() { printf '[cluster] %s\n' "$*" >&2; }
die() { printf '[cluster] error: %s\n' "$*" >&2; exit 1; }

# Install the named Debian packages that are missing; run apt-get update once.
ensure_packages() {
  local missing=() package
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  log "installing Debian packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The control plane's address lives on the machines' bridge, because kubelet
# rejects a loopback node IP. The bridge is host-only, so the address is
# reachable from this machine and its node network namespaces only. Worker
# node I is 10.244.255.(10+I) on it.
NODE_IP=10.244.255.1
MACHINES_PREFIX=24
PKI_DIR=$STATE_DIR/pki
CONFIG_DIR=$STATE_DIR/config
CONTAINERD_SOCKET=$RUN_DIR/containerd/containerd.sock

# Print the PID in $RUN_DIR/NAME.pid if that process is still running. The
# command line must still name the component, because a PID file can outlive
# a reboot or a killed session and its number be reused by another process.
running_pid() {
  local name=$1 pid_file=$RUN_DIR/$1.pid pid binary
  [[ -f $pid_file ]] || return 1
  pid=$(<"$pid_file")
  [[ -n $pid && -r /proc/$pid/cmdline ]] || return 1
  binary=${name##*/}
  case $binary in
    registry) binary=docker-registry ;;
    *-forward) binary=socat ;;
  esac
  tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q -- "$binary" || return 1
  printf '%s\n' "$pid"
}

# Start a component in its own session with its log in $LOG_DIR, unless it
# runs. NAME may name a folder too, as in nodes/NODE/kubelet.
start() {
  local name=$1 pid
  shift
  if pid=$(running_pid "$name"); then
    return 0
  fi
  log "starting $name"
  mkdir -p "$(dirname "$RUN_DIR/$name")" "$(dirname "$LOG_DIR/$name")"
  setsid "$@" >>"$LOG_DIR/$name.log" 2>&1 < /dev/null &
  echo $! > "$RUN_DIR/$name.pid"
}

# Retry COMMAND every half second until it succeeds or SECONDS_LIMIT pass.
wait_for() {
  local description=$1 seconds_limit=$2
  shift 2
  local deadline=$((SECONDS + seconds_limit))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || die "timed out after ${seconds_limit}s waiting for $description; logs are in $LOG_DIR"
    sleep 0.5
  done
}

# The components in start order; `down` stops them in the reverse order. The
# forwards make the registry and the API server, which listen on loopback,
# reachable on the control plane's bridge address from the worker nodes.
COMPONENTS=(registry registry-forward etcd kube-apiserver kube-apiserver-forward kube-controller-manager
  kube-scheduler containerd kubelet kube-proxy sshd)
