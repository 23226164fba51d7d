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

# Write the configuration of the machine that machine_paths last selected:
# its containerd, CNI network, kubelet, kube-proxy and sshd.
write_machine_configs() {
  mkdir -p "$M_CONFIG" "$M_STATE/cni/net.d"

  # 1. containerd: CRI with a plain-HTTP mirror for the local registry. The
  #    sandbox has no CAP_SYS_RESOURCE, so OOM score changes must be restricted.
  write_if_changed "$M_CONFIG/containerd.toml" <<TOML
version = 2
root = "$M_STATE/containerd"
state = "$M_RUNTIME/state"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs"]

[grpc]
  address = "$M_RUNTIME/containerd.sock"

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
    conf_dir = "$M_STATE/cni/net.d"
  [plugins."io.containerd.grpc.v1.cri".registry.mirrors."localhost:5000"]
    endpoint = ["$M_REGISTRY"]
TOML

  # 2. CNI: one bridge for the node's pods, with host-local addresses kept in
  #    the cluster's state folder so that `down` can release them all.
  write_if_changed "$M_STATE/cni/net.d/10-mooring.conflist" <<JSON
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
        "dataDir": "$M_STATE/cni/ipam",
        "ranges": [[{ "subnet": "$M_POD_CIDR" }]],
        "routes": [{ "dst": "0.0.0.0/0" }]
      }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
JSON

  # 3. kubelet: cgroupfs without QoS cgroups, since the sandbox cannot create them.
  write_if_changed "$M_CONFIG/kubelet.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $M_IP
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
cgroupDriver: cgroupfs
cgroupsPerQOS: false
enforceNodeAllocatable: []
failSwapOn: false
podCIDR: $M_POD_CIDR
serializeImagePulls: false
tlsCertFile: $PKI_DIR/kubelet-server-$M_NAME.crt
tlsPrivateKeyFile: $PKI_DIR/kubelet-server-$M_NAME.key
authentication:
  anonymous:
    enabled: false
  webhook:
    enabled: true
  x509:
    clientCAFile: $PKI_DIR/ca.crt
authorization:
  mode: Webhook
# The defaults report status every 10 s and renew a 40 s Lease every 10 s.
# Here the Lease is renewed every 4 s (a quarter of its duration), so a node
# can miss four renewals within the controller manager's 20 s grace period.
nodeStatusUpdateFrequency: 4s
nodeLeaseDurationSeconds: 16
evictionHard:
  memory.available: 100Mi
  nodefs.available: 2%
  imagefs.available: 2%
YAML

  # 4. kube-proxy: NodePorts are served on loopback and the node address only.
  write_if_changed "$M_CONFIG/kube-proxy.yaml" <<YAML
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
clusterCIDR: $POD_SUPERNET
hostnameOverride: $M_NAME
bindAddress: 127.0.0.1
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
nodePortAddresses: ["127.0.0.0/8", "$M_IP/32"]
clientConnection:
  kubeconfig: $M_CONFIG/kube-proxy.kubeconfig
conntrack:
  maxPerCore: 0
  min: 0
  tcpEstablishedTimeout: 0s
  tcpCloseWaitTimeout: 0s
YAML

  # 5. sshd on the machine's address, so that bootstrap can reach it the way
  #    it reaches a real machine. Its own host key; the keys allowed to log in
  #    are read from drop-in files, so that each test adds and removes its own.
  mkdir -p "$M_STATE/ssh" "$RUN_DIR/machines/$M_NAME/authorized_keys.d"
  chmod 0755 "$RUN_DIR/machines" "$RUN_DIR/machines/$M_NAME" "$RUN_DIR/machines/$M_NAME/authorized_keys.d"
  [[ -f $M_STATE/ssh/host_ed25519_key ]] ||
    ssh-keygen -q -t ed25519 -N '' -C "$M_NAME" -f "$M_STATE/ssh/host_ed25519_key"
  printf '%s\n' "$M_IP" > "$RUN_DIR/machines/$M_NAME/address"
  cp "$M_STATE/ssh/host_ed25519_key.pub" "$RUN_DIR/machines/$M_NAME/host_key.pub"
  write_if_changed "$M_CONFIG/sshd_config" <<SSHD
ListenAddress $M_IP
Port 22
HostKey $M_STATE/ssh/host_ed25519_key
PidFile none
AuthorizedKeysFile none
AuthorizedKeysCommand $CONFIG_DIR/machine-keys.sh $M_NAME
AuthorizedKeysCommandUser nobody
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
X11Forwarding no
AllowTcpForwarding no
# bash reads ~/.bashrc for a command that sshd starts while SHLVL is below 2.
SetEnv SHLVL=1
SSHD
}

# Write the configuration of the control plane's own services: the audit
# policy, the registry and the key lookup of every machine's sshd.
write_configs() {
  mkdir -p "$CONFIG_DIR" "$STATE_DIR/registry"

  # 1. API audit log: the writes of the admin user, which the tests count to
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

  # 2. The registry, on loopback. A forward makes it reachable from the worker
  #    nodes on the control plane's bridge address.
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

  # 3. The public keys allowed to log in to machine $1: every drop-in file of
  #    that machine. sshd runs it as the user nobody and requires a root-owned path.
  write_if_changed "$CONFIG_DIR/machine-keys.sh" <<'SCRIPT'
#!/bin/sh
cat /run/mooring/machines/"$1"/authorized_keys.d/*.keys 2>/dev/null
exit 0
SCRIPT
  chmod 0755 "$CONFIG_DIR/machine-keys.sh"
}
