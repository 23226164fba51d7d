# shellcheck shell=bash
# Configuration files of containerd, CNI, kubelet, kube-proxy and the registry.
# Source it; do not run it. Each `up` writes the files whose content changed,
# and a change takes effect when the component next starts.

# Write standard input to FILE unless FILE already has that content:
# kube-proxy exits when its configuration file is written to, even unchanged.
write_if_changed() {
  local file=$1 content
  content=$(cat)
  if [[ -f $file && "$(cat "$file")" == "$content" ]]; then
    return 0
  fi
  printf '%s\n' "$content" > "$file"
}

write_configs() {
  mkdir -p "$CONFIG_DIR" "$STATE_DIR/cni/net.d" "$STATE_DIR/registry" "$RUN_DIR/containerd"

  # 1. containerd: CRI with a plain-HTTP mirror for the local registry. The
  #    sandbox has no CAP_SYS_RESOURCE, so OOM score changes must be restricted.
  write_if_changed "$CONFIG_DIR/containerd.toml" <<TOML
version = 2
root = "$STATE_DIR/containerd"
state = "$RUN_DIR/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs"]

[grpc]
  address = "$CONTAINERD_SOCKET"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  restrict_oom_score_adj = true
  # Pod network namespaces under the state folder, so that down.sh can find and remove exactly them.
  netns_mounts_under_state_dir = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$STATE_DIR/cni/net.d"
  [plugins."io.containerd.grpc.v1.cri".registry.mirrors."localhost:5000"]
    endpoint = ["http://$REGISTRY_ADDRESS"]
TOML

  # 2. CNI: one bridge for the node's pods, with host-local addresses kept in
  #    the cluster's state folder so that `down` can release them all.
  write_if_changed "$STATE_DIR/cni/net.d/10-mooring.conflist" <<JSON
{
  "cniVersion": "0.4.0",
  "name": "mooring",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "mooring-br0",
      "isGateway": true,
      "ipMasq": true,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "$STATE_DIR/cni/ipam",
        "ranges": [[{ "subnet": "$POD_CIDR" }]],
        "routes": [{ "dst": "0.0.0.0/0" }]
      }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
JSON

  # 3. kubelet: cgroupfs without QoS cgroups, since the sandbox cannot create them.
  write_if_changed "$CONFIG_DIR/kubelet.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_IP
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
cgroupDriver: cgroupfs
cgroupsPerQOS: false
enforceNodeAllocatable: []
failSwapOn: false
podCIDR: $POD_CIDR
serializeImagePulls: false
tlsCertFile: $PKI_DIR/kubelet-server.crt
tlsPrivateKeyFile: $PKI_DIR/kubelet-server.key
authentication:
  anonymous:
    enabled: false
  webhook:
    enabled: true
  x509:
    clientCAFile: $PKI_DIR/ca.crt
authorization:
  mode: Webhook
evictionHard:
  memory.available: 100Mi
  nodefs.available: 2%
  imagefs.available: 2%
YAML

  # 4. kube-proxy: NodePorts are served on loopback and the node address only.
  write_if_changed "$CONFIG_DIR/kube-proxy.yaml" <<YAML
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
clusterCIDR: $POD_SUPERNET
hostnameOverride: $NODE_NAME
bindAddress: 127.0.0.1
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
nodePortAddresses: ["127.0.0.0/8", "$NODE_IP/32"]
clientConnection:
  kubeconfig: $CONFIG_DIR/kube-proxy.kubeconfig
conntrack:
  maxPerCore: 0
  min: 0
  tcpEstablishedTimeout: 0s
  tcpCloseWaitTimeout: 0s
YAML

  # 5. API audit log: the writes of the admin user, which the tests count to
  #    show that a deploy with nothing to change writes nothing.
  write_if_changed "$CONFIG_DIR/audit-policy.yaml" <<YAML
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
- level: Metadata
  users: ["mooring-admin"]
  verbs: ["create", "update", "patch", "delete", "deletecollection"]
- level: None
YAML

  # 6. The registry, on loopback only.
  write_if_changed "$CONFIG_DIR/registry.yaml" <<YAML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $STATE_DIR/registry
  delete:
    enabled: true
http:
  addr: $REGISTRY_ADDRESS
YAML
}
