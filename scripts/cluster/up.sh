#!/usr/bin/env bash
# Brings up the local one-node Kubernetes cluster and its registry, or checks
# that they run. Safe to run again: a component that is running is left alone.
# Writes the admin kubeconfig to .mooring/kubeconfig in the project.
set -euo pipefail
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/pki.sh"
source "$(dirname "$0")/configs.sh"

# Files and folders the components create must be readable by the non-root
# users in containers (image layers unpacked by containerd among them).
umask 022
[[ $(id -u) -eq 0 ]] || die "the local cluster needs root (network namespaces, iptables, containerd); run as root"

# Start a process in its own session with its log in $LOG_DIR, unless it runs.
start() {
  local name=$1
  shift
  if pid=$(running_pid "$name"); then
    return 0
  fi
  log "starting $name"
  setsid "$@" >>"$LOG_DIR/$name.log" 2>&1 < /dev/null &
  echo $! > "$RUN_DIR/$name.pid"
}

api() { curl -sf --cacert "$PKI_DIR/ca.crt" --cert "$PKI_DIR/admin.crt" --key "$PKI_DIR/admin.key" "https://127.0.0.1:$API_PORT$1"; }
kubectl_admin() { "$KUBERNETES_BIN/kubectl" --kubeconfig "$CONFIG_DIR/admin.kubeconfig" "$@"; }

# 1. Packages and binaries.
ensure_packages "${RUNTIME_PACKAGES[@]}" gcc libc6-dev
bash "$(dirname "$0")/build.sh"
mkdir -p "$STATE_DIR" "$RUN_DIR" "$LOG_DIR"
create_pki
write_configs

# 2. Host network: forwarding, bridged traffic through iptables, and the holding bridge.
sysctl -qw net.ipv4.ip_forward=1
[[ -e /proc/sys/net/bridge/bridge-nf-call-iptables ]] || modprobe br_netfilter 2>/dev/null || true
[[ -e /proc/sys/net/bridge/bridge-nf-call-iptables ]] && sysctl -qw net.bridge.bridge-nf-call-iptables=1
if ! ip link show "$HOLDING_LINK" >/dev/null 2>&1; then
  ip link add "$HOLDING_LINK" type bridge
fi
ip link set "$HOLDING_LINK" up
ip addr replace "$NODE_IP/32" dev "$HOLDING_LINK"
ip route replace "$POD_SUPERNET" dev "$HOLDING_LINK" metric 1000
ip route replace "$SERVICE_CIDR" dev "$HOLDING_LINK" metric 1000

# 3. Registry and etcd.
start registry /usr/bin/docker-registry serve "$CONFIG_DIR/registry.yaml"
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
  --audit-log-maxsize 50 --audit-log-maxbackup 2 --profiling=false
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

# 6. Controllers, scheduler, containerd, kubelet and kube-proxy.
start kube-controller-manager "$KUBERNETES_BIN/kube-controller-manager" \
  --kubeconfig "$CONFIG_DIR/controller-manager.kubeconfig" \
  --authentication-kubeconfig "$CONFIG_DIR/controller-manager.kubeconfig" \
  --authorization-kubeconfig "$CONFIG_DIR/controller-manager.kubeconfig" \
  --bind-address 127.0.0.1 --port 0 --leader-elect=false --use-service-account-credentials \
  --service-account-private-key-file "$PKI_DIR/service-account.key" --root-ca-file "$PKI_DIR/ca.crt" \
  --cluster-signing-cert-file "$PKI_DIR/ca.crt" --cluster-signing-key-file "$PKI_DIR/ca.key" \
  --cluster-cidr "$POD_SUPERNET" --allocate-node-cidrs=false --profiling=false
start kube-scheduler "$KUBERNETES_BIN/kube-scheduler" \
  --kubeconfig "$CONFIG_DIR/scheduler.kubeconfig" \
  --authentication-kubeconfig "$CONFIG_DIR/scheduler.kubeconfig" \
  --authorization-kubeconfig "$CONFIG_DIR/scheduler.kubeconfig" \
  --bind-address 127.0.0.1 --port 0 --leader-elect=false --profiling=false
start containerd /usr/bin/containerd --config "$CONFIG_DIR/containerd.toml"
wait_for "containerd on $CONTAINERD_SOCKET" 30 ctr --address "$CONTAINERD_SOCKET" version
start kubelet "$KUBERNETES_BIN/kubelet" --config "$CONFIG_DIR/kubelet.yaml" \
  --kubeconfig "$CONFIG_DIR/kubelet.kubeconfig" --hostname-override "$NODE_NAME" --node-ip "$NODE_IP" \
  --root-dir "$STATE_DIR/kubelet" --cert-dir "$STATE_DIR/kubelet/pki" \
  --container-runtime remote --container-runtime-endpoint "unix://$CONTAINERD_SOCKET" \
  --pod-infra-container-image "$PAUSE_IMAGE"
start kube-proxy "$KUBERNETES_BIN/kube-proxy" --config "$CONFIG_DIR/kube-proxy.yaml"

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
wait_for "node $NODE_NAME to be Ready" 120 \
  bash -c "'$KUBERNETES_BIN/kubectl' --kubeconfig '$CONFIG_DIR/admin.kubeconfig' get node '$NODE_NAME' \
    -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}' | grep -qx True"

# 8. Hand the admin kubeconfig to the project.
mkdir -p "$(dirname "$KUBECONFIG_OUT")"
install -m 0600 "$CONFIG_DIR/admin.kubeconfig" "$KUBECONFIG_OUT"
log "cluster is up; kubeconfig: $KUBECONFIG_OUT; registry: $REGISTRY_ADDRESS"
