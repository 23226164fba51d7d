#!/usr/bin/env bash
# One program behind every command a simulated Fedora host offers (dnf, rpm,
# systemctl, kubeadm, kubectl, ...), called through a symlink of that name.
# It records each call in "$HOST_DIR/calls.log" and in the cluster's shared
# log as "change TOOL ARGS" or "read TOOL ARGS", and keeps the host's state in
# "$HOST_DIR/state" and the cluster's in "$CLUSTER_DIR", so a later call reads
# what an earlier one wrote. Files under /etc, /var and /opt land in the host's
# overlay, which the login script mounts.
set -euo pipefail
tool="$(basename "$0")"
state="$HOST_DIR/state"
host="$(basename "$HOST_DIR")"

log() {
  echo "$1 $tool $ARGS" >>"$HOST_DIR/calls.log"
  echo "$host $1 $tool $ARGS" >>"$CLUSTER_DIR/calls.log"
}
ARGS="$*"
has() { [ -f "$state/$1" ] && grep -qx -- "$2" "$state/$1"; }
add() { has "$1" "$2" || echo "$2" >>"$state/$1"; }
del() { if [ -f "$state/$1" ]; then grep -vx -- "$2" "$state/$1" >"$state/$1.new" || true; mv "$state/$1.new" "$state/$1"; fi; }
args_have() { local wanted="$1"; shift; for arg in "$@"; do [ "$arg" = "$wanted" ] && return 0; done; return 1; }
option() { local name="$1"; shift; for arg in "$@"; do case "$arg" in "$name="*) echo "${arg#*=}"; return 0 ;; esac; done; return 1; }
die() { echo "$*" >&2; exit 1; }

case "$tool" in
sudo)
  [ "${1:-}" = -n ] && shift
  log read
  exec "$@"
  ;;
rpm)
  log read
  # rpm -q --quiet NAME
  has packages "${3:-}"
  ;;
dnf)
  case "$1 ${2:-}" in
  "install -y")
    log change
    shift 2
    for package in "$@"; do add packages "$package"; done
    ;;
  "remove -y")
    log change
    shift 2
    for package in "$@"; do del packages "$package"; done
    ;;
  "versionlock list")
    log read
    if [ -f "$state/locks" ]; then sed 's/$/-1.32.0-1.fc41.*/' "$state/locks"; fi
    ;;
  "versionlock add")
    log change
    shift 2
    for package in "$@"; do has packages "$package" || die "No package $package installed."; add locks "$package"; done
    ;;
  *) die "fake dnf: unexpected arguments: $*" ;;
  esac
  ;;
swapon)
  log read
  if [ -f "$state/swap-on" ]; then echo "/dev/zram0 partition 1.9G 0B 100"; fi
  ;;
swapoff)
  log change
  rm -f "$state/swap-on"
  ;;
lsmod)
  log read
  echo "Module                  Size  Used by"
  if [ -f "$state/modules" ]; then sed 's/$/ 16384 0/' "$state/modules"; fi
  ;;
modprobe)
  log change
  add modules "$1"
  ;;
sysctl)
  if [ "$1" = -n ]; then
    log read
    cat "$state/sysctl-$2" 2>/dev/null || echo 0
  elif [ "$1" = --system ]; then
    log change
    grep -h '=' /etc/sysctl.d/*.conf | while IFS='= ' read -r key value; do echo "$value" >"$state/sysctl-$key"; done
  fi
  ;;
getenforce)
  log read
  cat "$state/selinux"
  ;;
setenforce)
  log change
  [ "$1" = 0 ] && echo Permissive >"$state/selinux"
  ;;
systemctl)
  verb="$1"
  quiet=no
  now=no
  units=()
  for arg in "${@:2}"; do
    case "$arg" in --quiet) quiet=yes ;; --now) now=yes ;; *) units+=("$arg") ;; esac
  done
  unit="${units[0]}"
  case "$verb" in
  is-enabled) log read; has enabled "$unit" || { [ "$quiet" = yes ] || echo disabled; exit 1; } ;;
  is-active) log read; has active "$unit" || { [ "$quiet" = yes ] || echo inactive; exit 3; } ;;
  enable) log change; add enabled "$unit"; if [ "$now" = yes ]; then add active "$unit"; fi ;;
  disable) log change; del enabled "$unit"; if [ "$now" = yes ]; then del active "$unit"; fi ;;
  start | restart)
    log change
    if [ "$unit" = crio ] && ! has packages cri-o1.32; then die "Failed to restart crio.service: Unit crio.service not found."; fi
    add active "$unit"
    ;;
  *) die "fake systemctl: unexpected verb $verb" ;;
  esac
  ;;
firewall-cmd)
  has active firewalld || { echo "FirewallD is not running" >&2; exit 252; }
  case "$*" in
  "--permanent --list-ports") log read; if [ -f "$state/ports" ]; then tr "\n" " " <"$state/ports"; fi; echo ;;
  --permanent\ --add-port=*) log change; add ports "${2#--add-port=}" ;;
  --reload) log change ;;
  *) die "fake firewall-cmd: unexpected arguments: $*" ;;
  esac
  ;;
journalctl)
  log read
  echo "Dec 04 21:00:00 $host kubelet[812]: E1204 kubelet failed to start: simulated journal entry"
  ;;
crictl)
  log read
  echo "CONTAINER           IMAGE               CREATED             STATE               NAME"
  ;;
kubeadm)
  case "$1" in
  init)
    log change
    [ ! -f /etc/kubernetes/admin.conf ] || die "[preflight] /etc/kubernetes/admin.conf already exists"
    ignored="$(option --ignore-preflight-errors "$@" || true)"
    [[ ",$ignored," == *,NumCPU,* ]] || die "[ERROR NumCPU]: the number of available CPUs 1 is less than the required 2"
    [[ ",$ignored," == *,Mem,* ]] || die "[ERROR Mem]: the system RAM (960 MB) is less than the minimum 1700 MB"
    [ "$(option --cri-socket "$@")" = unix:///var/run/crio/crio.sock ] || die "[ERROR CRI]: no --cri-socket given"
    option --pod-network-cidr "$@" >"$CLUSTER_DIR/pod-network-cidr" || die "missing --pod-network-cidr"
    advertise="$(option --apiserver-advertise-address "$@")" || die "missing --apiserver-advertise-address"
    has active crio || die "[ERROR CRI]: container runtime is not running"
    has enabled kubelet || die "[WARNING Service-Kubelet]: kubelet service is not enabled"
    [ ! -f "$state/swap-on" ] || die "[ERROR Swap]: running with swap on is not supported"
    has modules br_netfilter || die "[ERROR FileContent--proc-sys-net-bridge-bridge-nf-call-iptables]: does not exist"
    [ "$(cat "$state/sysctl-net.ipv4.ip_forward" 2>/dev/null)" = 1 ] || die "[ERROR FileContent--proc-sys-net-ipv4-ip_forward]: contents are not set to 1"
    mkdir -p /etc/kubernetes/manifests /etc/kubernetes/pki
    echo "fake CA" >/etc/kubernetes/pki/ca.crt
    echo "kind: Pod" >/etc/kubernetes/manifests/kube-apiserver.yaml
    cat >/etc/kubernetes/admin.conf <<CONFIG
apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority-data: RkFLRQ==
    server: https://$advertise:6443
  name: kubernetes
contexts:
- context:
    cluster: kubernetes
    user: kubernetes-admin
  name: kubernetes-admin@kubernetes
current-context: kubernetes-admin@kubernetes
users:
- name: kubernetes-admin
  user:
    client-key-data: c2VjcmV0LWtleQ==
CONFIG
    cp /etc/kubernetes/admin.conf /etc/kubernetes/kubelet.conf
    echo "$advertise:6443" >"$CLUSTER_DIR/endpoint"
    option --node-name "$@" >>"$CLUSTER_DIR/nodes"
    ;;
  token)
    log change
    [ -f /etc/kubernetes/admin.conf ] || die "failed to load admin kubeconfig"
    count=$(($(wc -l <"$CLUSTER_DIR/tokens" 2>/dev/null || echo 0) + 1))
    token="$(printf 'abcdef.%016d' "$count")"
    echo "$token" >>"$CLUSTER_DIR/tokens"
    echo "kubeadm join $(cat "$CLUSTER_DIR/endpoint") --token $token --discovery-token-ca-cert-hash sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef "
    ;;
  join)
    log change
    [ ! -f /etc/kubernetes/kubelet.conf ] || die "[ERROR FileAvailable--etc-kubernetes-kubelet.conf]: /etc/kubernetes/kubelet.conf already exists"
    [ ! -f /etc/kubernetes/pki/ca.crt ] || die "[ERROR FileAvailable--etc-kubernetes-pki-ca.crt]: /etc/kubernetes/pki/ca.crt already exists"
    [ "$2" = "$(cat "$CLUSTER_DIR/endpoint")" ] || die "unexpected API server endpoint $2"
    grep -qx -- "$(option --token "$@")" "$CLUSTER_DIR/tokens" || die "invalid bootstrap token"
    [ "$(option --cri-socket "$@")" = unix:///var/run/crio/crio.sock ] || die "[ERROR CRI]: no --cri-socket given"
    has active crio || die "[ERROR CRI]: container runtime is not running"
    [ ! -f "$state/swap-on" ] || die "[ERROR Swap]: running with swap on is not supported"
    mkdir -p /etc/kubernetes/pki /var/lib/kubelet
    echo "fake CA" >/etc/kubernetes/pki/ca.crt
    echo "kind: KubeletConfiguration" >/var/lib/kubelet/config.yaml
    if [ -f "$state/fail-join" ]; then
      die "error execution phase kubelet-start: timed out waiting for the condition"
    fi
    echo "kind: Config" >/etc/kubernetes/kubelet.conf
    option --node-name "$@" >>"$CLUSTER_DIR/nodes"
    ;;
  reset)
    log change
    rm -rf /etc/kubernetes/kubelet.conf /etc/kubernetes/admin.conf /etc/kubernetes/pki /etc/kubernetes/manifests /var/lib/kubelet
    ;;
  *) die "fake kubeadm: unexpected arguments: $*" ;;
  esac
  ;;
kubectl)
  [ -f /etc/kubernetes/admin.conf ] || die "The connection to the server localhost:8080 was refused"
  shift
  case "$1 $2" in
  "get nodes")
    log read
    ready=False
    if [ -f "$CLUSTER_DIR/cni-manifest" ]; then ready=True; fi
    sort -u "$CLUSTER_DIR/nodes" | sed "s/\$/ $ready/"
    ;;
  "get daemonset")
    log read
    [ -f "$CLUSTER_DIR/cni-manifest" ] || die 'Error from server (NotFound): daemonsets.apps "kube-flannel-ds" not found'
    echo daemonset.apps/kube-flannel-ds
    ;;
  "get node")
    log read
    grep -qx -- "$3" "$CLUSTER_DIR/nodes" || die "Error from server (NotFound): nodes \"$3\" not found"
    case "$4" in
    *unschedulable*) if grep -qx -- "$3" "$CLUSTER_DIR/cordoned" 2>/dev/null; then echo true; fi ;;
    *) echo "node/$3" ;;
    esac
    ;;
  "apply -f")
    log change
    echo "$3" >"$CLUSTER_DIR/cni-manifest"
    ;;
  drain\ *)
    log change
    echo "$2" >>"$CLUSTER_DIR/cordoned"
    ;;
  "delete node")
    log change
    grep -vx -- "$3" "$CLUSTER_DIR/nodes" >"$CLUSTER_DIR/nodes.new" || true
    mv "$CLUSTER_DIR/nodes.new" "$CLUSTER_DIR/nodes"
    ;;
  *) die "fake kubectl: unexpected arguments: $*" ;;
  esac
  ;;
*) die "fake-fedora-tool: no fake for '$tool'" ;;
esac
