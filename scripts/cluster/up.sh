#!/usr/bin/env bash
# Brings up the local Kubernetes cluster and its registry: a control plane
# (fedora-kubernetes-master, on this machine's own network) and worker nodes
# fedora-kubernetes-1 to -N, each in network namespaces of its own.
# Safe to run again: a component that is running is left alone.
# Writes the admin kubeconfig to .mooring/kubeconfig in the project.
#
# Usage: up.sh [--nodes N]   worker nodes beside the control plane (default 3,
#                            or MOORING_NODES); 0 runs everything on the control plane
set -euo pipefail
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/pki.sh"
source "$(dirname "$0")/configs.sh"
source "$(dirname "$0")/machines.sh"

while (($# > 0)); do
  case $1 in
    --nodes)
      [[ ${2:-} =~ ^[0-9]$ ]] || die "--nodes expects a number from 0 to 9, got '${2:-}'"
      NODE_COUNT=$2
      shift 2
      ;;
    *) die "unknown argument '$1'; usage: up.sh [--nodes N]" ;;
  esac
done
[[ $NODE_COUNT =~ ^[0-9]$ ]] || die "MOORING_NODES expects a number from 0 to 9, got '$NODE_COUNT'"

# Files and folders the components create must be readable by the non-root
# users in containers (image layers unpacked by containerd among them).
umask 022
[[ $(id -u) -eq 0 ]] || die "the local cluster needs root (network namespaces, iptables, containerd); run as root"

api() { curl -sf --cacert "$PKI_DIR/ca.crt" --cert "$PKI_DIR/admin.crt" --key "$PKI_DIR/admin.key" "https://127.0.0.1:$API_PORT$1"; }
kubectl_admin() { "$KUBERNETES_BIN/kubectl" --kubeconfig "$CONFIG_DIR/admin.kubeconfig" "$@"; }

# 1. Packages and binaries.
ensure_packages "${RUNTIME_PACKAGES[@]}" gcc libc6-dev
bash "$(dirname "$0")/build.sh"
mkdir -p "$STATE_DIR" "$RUN_DIR" "$LOG_DIR"
create_pki
write_configs

# 2. Host network: forwarding, bridged traffic through iptables, and the machines' bridge.
sysctl -qw net.ipv4.ip_forward=1
[[ -e /proc/sys/net/bridge/bridge-nf-call-iptables ]] || modprobe br_netfilter 2>/dev/null || true
[[ -e /proc/sys/net/bridge/bridge-nf-call-iptables ]] && sysctl -qw net.bridge.bridge-nf-call-iptables=1
if ! ip link show "$MACHINES_BRIDGE" >/dev/null 2>&1; then
  ip link add "$MACHINES_BRIDGE" type bridge
fi
ip link set "$MACHINES_BRIDGE" up
# Before worker nodes, the address was a /32 on a bridge with no ports.
ip addr del "$NODE_IP/32" dev "$MACHINES_BRIDGE" 2>/dev/null || true
ip addr replace "$NODE_IP/$MACHINES_PREFIX" dev "$MACHINES_BRIDGE"
ip route replace "$POD_SUPERNET" dev "$MACHINES_BRIDGE" metric 1000
ip route replace "$SERVICE_CIDR" dev "$MACHINES_BRIDGE" metric 1000

# 3. Registry and etcd.
start registry /usr/bin/docker-registry serve "$CONFIG_DIR/registry.yaml"
start registry-forward socat "TCP-LISTEN:${REGISTRY_ADDRESS##*:},bind=$NODE_IP,reuseaddr,fork" \
  "TCP:$REGISTRY_ADDRESS"
start etcd /usr/bin/etcd --name mooring --data-dir "$STATE_DIR/etcd" \
  --listen-client-urls https://127.0.0.1:2379 --advertise-client-urls https://127.0.0.1:2379 \
  --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
  --initial-cluster mooring=http://127.0.0.1:2380 --listen-metrics-urls http://127.0.0.1:2381 \
  --cert-file "$PKI_DIR/etcd-server.crt" --key-file "$PKI_DIR/etcd-server.key" \
  --client-cert-auth --trusted-ca-file "$PKI_DIR/ca.crt"
wait_for "the registry on $REGISTRY_ADDRESS" 30 curl -sf "http://$REGISTRY_ADDRESS/v2/"
wait_for "etcd on 127.0.0.1:2379" 60 curl -sf http://127.0.0.1:2381/health

# 4. API server, loopback only, client certificates and RBAC.
start kube-apiserver "$KUBERNETES_BIN/kube-apiserver" \
  --bind-address 127.0.0.1 --secure-port "$API_PORT" --insecure-port 0 --advertise-address "$NODE_IP" \
  --etcd-servers https://127.0.0.1:2379 --etcd-cafile "$PKI_DIR/ca.crt" \
  --etcd-certfile "$PKI_DIR/apiserver-etcd-client.crt" --etcd-keyfile "$PKI_DIR/apiserver-etcd-client.key" \
  --tls-cert-file "$PKI_DIR/apiserver.crt" --tls-private-key-file "$PKI_DIR/apiserver.key" \
  --client-ca-file "$PKI_DIR/ca.crt" --anonymous-auth=false \
  --authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction \
  --kubelet-client-certificate "$PKI_DIR/apiserver-kubelet-client.crt" \
  --kubelet-client-key "$PKI_DIR/apiserver-kubelet-client.key" \
  --kubelet-certificate-authority "$PKI_DIR/ca.crt" --kubelet-preferred-address-types InternalIP \
  --service-cluster-ip-range "$SERVICE_CIDR" --service-node-port-range "$NODEPORT_RANGE" \
  --service-account-key-file "$PKI_DIR/service-account.pub" \
  --service-account-signing-key-file "$PKI_DIR/service-account.key" \
  --service-account-issuer https://kubernetes.default.svc.cluster.local \
  --audit-policy-file "$CONFIG_DIR/audit-policy.yaml" --audit-log-path "$LOG_DIR/audit.log" \
  --audit-log-maxsize 50 --audit-log-maxbackup 2 --profiling=false \
  --default-not-ready-toleration-seconds 10 --default-unreachable-toleration-seconds 10
# Pods tolerate an unreachable or not-ready node for 10 s, and the controller
# manager (below) declares a node lost after 20 s without a heartbeat, so pods
# move about 30 s after their node goes away. The defaults, 300 s and 40 s,
# suit large clusters, where a brief network fault is more likely than a lost machine.
start kube-apiserver-forward socat "TCP-LISTEN:$API_PORT,bind=$NODE_IP,reuseaddr,fork" "TCP:127.0.0.1:$API_PORT"
wait_for "kube-apiserver on 127.0.0.1:$API_PORT" 120 api /readyz

# 5. The pause image: a static binary in a FROM-scratch image, pushed once.
if ! curl -sf -o /dev/null "http://$REGISTRY_ADDRESS/v2/mooring/pause/manifests/1" \
  -H 'Accept: application/vnd.oci.image.manifest.v1+json'; then
  log "building the pause image $PAUSE_IMAGE"
  work=$(mktemp -d)
  gcc -static -Os -o "$work/pause" "$(dirname "$0")/pause.c"
  container=$(buildah from scratch)
  buildah copy "$container" "$work/pause" /pause >/dev/null
  buildah config --entrypoint '["/pause"]' --user 65535:65535 "$container"
  buildah commit -q "$container" "$PAUSE_IMAGE" >/dev/null
  buildah rm "$container" >/dev/null
  buildah push -q --tls-verify=false "$PAUSE_IMAGE" "docker://$PAUSE_IMAGE"
  rm -rf "$work"
fi

# 6. The scheduler, and the control plane's own node: containerd, kubelet,
#    kube-proxy and sshd.
start kube-scheduler "$KUBERNETES_BIN/kube-scheduler" \
  --kubeconfig "$CONFIG_DIR/scheduler.kubeconfig" \
  --authentication-kubeconfig "$CONFIG_DIR/scheduler.kubeconfig" \
  --authorization-kubeconfig "$CONFIG_DIR/scheduler.kubeconfig" \
  --bind-address 127.0.0.1 --port 0 --leader-elect=false --profiling=false
machine_paths "$NODE_NAME"
create_machine_pki
write_machine_configs
start containerd /usr/bin/containerd --config "$CONFIG_DIR/containerd.toml"
wait_for "containerd on $CONTAINERD_SOCKET" 30 ctr --address "$CONTAINERD_SOCKET" version
kubelet_arguments
start kubelet "$KUBERNETES_BIN/kubelet" "${KUBELET_ARGUMENTS[@]}"
start kube-proxy "$KUBERNETES_BIN/kube-proxy" --config "$CONFIG_DIR/kube-proxy.yaml"
mkdir -p /run/sshd && chmod 0755 /run/sshd
start sshd /usr/sbin/sshd -D -e -f "$CONFIG_DIR/sshd_config"

# 7. Let the API server reach kubelets for logs and exec, then wait for the node.
kubectl_admin apply -f - >/dev/null <<YAML
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: mooring:kube-apiserver-kubelet-client
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: system:kubelet-api-admin
subjects:
- apiGroup: rbac.authorization.k8s.io
  kind: User
  name: kube-apiserver-kubelet-client
YAML
node_ready() {
  kubectl_admin get node "$1" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null |
    grep -qx True
}
wait_for "node $NODE_NAME to be Ready" 120 node_ready "$NODE_NAME"
kubectl_admin delete node "$OLD_NODE_NAME" --ignore-not-found >/dev/null
kubectl_admin label node "$NODE_NAME" node-role.kubernetes.io/master= --overwrite >/dev/null
# With worker nodes the control plane takes no workloads, as kubeadm sets it up.
if ((NODE_COUNT > 0)); then
  kubectl_admin taint node "$NODE_NAME" node-role.kubernetes.io/master=:NoSchedule --overwrite >/dev/null
else
  kubectl_admin taint node "$NODE_NAME" node-role.kubernetes.io/master:NoSchedule- >/dev/null 2>&1 || true
fi

# 8. Worker nodes: start the first NODE_COUNT, and remove any beyond them.
for ((index = 1; index <= NODE_COUNT; index++)); do
  machine_paths "$NODE_PREFIX$index"
  start_node
done
for name in $(known_nodes); do
  machine_paths "$name"
  ((M_INDEX > NODE_COUNT)) || continue
  log "removing $name (the cluster has $NODE_COUNT worker nodes)"
  power_off_node
  remove_node_network
  kubectl_admin delete node "$name" --ignore-not-found >/dev/null
  rm -rf "$M_STATE" "$RUN_DIR/machines/$name"
done
for ((index = 1; index <= NODE_COUNT; index++)); do
  wait_for "node $NODE_PREFIX$index to be Ready" 120 node_ready "$NODE_PREFIX$index"
done

# 9. The controller manager starts once every node is Ready. Started while
#    no node was Ready, Kubernetes 1.20's node lifecycle controller entered
#    its "all nodes not ready" mode and, in one run here, never tainted a lost
#    node afterwards, so its pods were never moved.
start kube-controller-manager "$KUBERNETES_BIN/kube-controller-manager" \
  --kubeconfig "$CONFIG_DIR/controller-manager.kubeconfig" \
  --authentication-kubeconfig "$CONFIG_DIR/controller-manager.kubeconfig" \
  --authorization-kubeconfig "$CONFIG_DIR/controller-manager.kubeconfig" \
  --bind-address 127.0.0.1 --port 0 --leader-elect=false --use-service-account-credentials \
  --service-account-private-key-file "$PKI_DIR/service-account.key" --root-ca-file "$PKI_DIR/ca.crt" \
  --cluster-signing-cert-file "$PKI_DIR/ca.crt" --cluster-signing-key-file "$PKI_DIR/ca.key" \
  --cluster-cidr "$POD_SUPERNET" --allocate-node-cidrs=false --profiling=false \
  --node-monitor-period 2s --node-monitor-grace-period 20s

# 10. Hand the admin kubeconfig to the project.
mkdir -p "$(dirname "$KUBECONFIG_OUT")"
install -m 0600 "$CONFIG_DIR/admin.kubeconfig" "$KUBECONFIG_OUT"
log "cluster is up; kubeconfig: $KUBECONFIG_OUT; registry: $REGISTRY_ADDRESS"
