# shellcheck shell=bash
# The machines of the local cluster: the control plane, which runs in this
# machine's own namespaces, and worker nodes, each a network namespace and a
# mount namespace of its own. Source it after common.sh, pki.sh and configs.sh.
#
# A worker node has its own address on the machines' bridge, pod subnet,
# containerd, kubelet, kube-proxy and sshd. Its mount namespace gives it a
# private /var/log/pods (each kubelet deletes the log folders of pods it does
# not run) and a tmpfs for containerd's runtime state. Dropping that
# namespace releases every mount of the node at once, the way a power loss
# empties a machine's /run.

# The components of a worker node in start order.
NODE_COMPONENTS=(containerd kubelet kube-proxy sshd)
NODE_PREFIX=fedora-kubernetes-
# Persisted mount namespaces of the worker nodes, one file per node.
MOUNT_NAMESPACES=$RUN_DIR/mount-namespaces

# shellcheck disable=SC2034 # configs.sh and pki.sh read the M_* variables
# Select machine NAME: set the M_* variables that describe its addresses,
# folders and settings. NAME is the control plane's or fedora-kubernetes-I.
machine_paths() {
  M_NAME=$1
  if [[ $M_NAME == "$NODE_NAME" ]]; then
    M_INDEX=0
    M_IP=$NODE_IP
    # shellcheck disable=SC2153 # common.sh sets POD_CIDR
    M_POD_CIDR=$POD_CIDR
    M_STATE=$STATE_DIR
    M_CONFIG=$CONFIG_DIR
    M_RUNTIME=$RUN_DIR/containerd
    M_REGISTRY=http://$REGISTRY_ADDRESS
    M_API=https://127.0.0.1:$API_PORT
    return 0
  fi
  [[ $M_NAME =~ ^${NODE_PREFIX}([1-9][0-9]?)$ ]] ||
    die "unknown machine '$M_NAME': expected $NODE_NAME or ${NODE_PREFIX}N with N from 1 to 99"
  M_INDEX=${BASH_REMATCH[1]}
  M_IP=10.244.255.$((10 + M_INDEX))
  M_POD_CIDR=10.244.$M_INDEX.0/24
  M_STATE=$STATE_DIR/nodes/$M_NAME
  M_CONFIG=$M_STATE/config
  M_RUNTIME=$RUN_DIR/nodes/$M_NAME/runtime
  M_REGISTRY=http://$NODE_IP:${REGISTRY_ADDRESS##*:}
  M_API=https://$NODE_IP:$API_PORT
  M_LINK=mooring-n$M_INDEX
  M_MOUNT_NAMESPACE=$MOUNT_NAMESPACES/$M_NAME
}

# The names of the worker nodes that have state on this machine, running or not.
known_nodes() {
  local folder
  for folder in "$STATE_DIR"/nodes/"$NODE_PREFIX"*; do
    [[ -d $folder ]] && basename "$folder"
  done | sort -V
}

# Run a command inside the selected worker node's network and mount namespaces.
in_node() {
  nsenter --mount="$M_MOUNT_NAMESPACE" --net="/run/netns/$M_NAME" -- "$@"
}

# Create the selected node's network namespace, its link to the bridge, its
# routes, and its mount namespace. Safe to run again.
create_node_namespaces() {
  # /run here may outlive a reboot, leaving a file where the namespace was mounted.
  if ! mountpoint -q "/run/netns/$M_NAME" 2>/dev/null; then
    rm -f "/run/netns/$M_NAME"
    ip netns add "$M_NAME"
  fi
  if ! ip link show "$M_LINK" >/dev/null 2>&1; then
    ip link add "$M_LINK" type veth peer name eth0 netns "$M_NAME"
  fi
  ip link set "$M_LINK" master "$MACHINES_BRIDGE" up
  ip netns exec "$M_NAME" sh -e -c "
    ip link set lo up
    ip addr replace $M_IP/$MACHINES_PREFIX dev eth0
    ip link set eth0 up
    ip route replace default via $NODE_IP dev eth0
    sysctl -qw net.ipv4.ip_forward=1
    if [ -e /proc/sys/net/bridge/bridge-nf-call-iptables ]; then sysctl -qw net.bridge.bridge-nf-call-iptables=1; fi"
  ip route replace "$M_POD_CIDR" via "$M_IP" dev "$MACHINES_BRIDGE"

  # A mount namespace can be kept in a file only on a mount that does not
  # propagate, or the file's own mount would show up inside the namespace.
  mkdir -p "$MOUNT_NAMESPACES"
  if ! mountpoint -q "$MOUNT_NAMESPACES"; then
    mount --bind "$MOUNT_NAMESPACES" "$MOUNT_NAMESPACES"
    mount --make-private "$MOUNT_NAMESPACES"
  fi
  if ! mountpoint -q "$M_MOUNT_NAMESPACE"; then
    mkdir -p "$M_STATE/log/pods" "$M_STATE/log/containers" "$M_RUNTIME"
    touch "$M_MOUNT_NAMESPACE"
    unshare --mount="$M_MOUNT_NAMESPACE" --propagation private sh -e -c "
      mount -t tmpfs -o mode=0755 tmpfs '$M_RUNTIME'
      mount --bind '$M_STATE/log/pods' /var/log/pods
      mount --bind '$M_STATE/log/containers' /var/log/containers"
  fi
}

# Start the selected worker node: namespaces, then containerd, kubelet,
# kube-proxy and sshd. A component that runs is left alone.
start_node() {
  create_machine_pki
  write_machine_configs
  mkdir -p "$RUN_DIR/nodes/$M_NAME" "$LOG_DIR/nodes/$M_NAME" /var/log/pods /var/log/containers
  create_node_namespaces
  local prefix=nodes/$M_NAME
  # nsenter replaces itself with the component, so `start` records the component's own PID.
  local enter=(nsenter --mount="$M_MOUNT_NAMESPACE" --net="/run/netns/$M_NAME" --)
  start "$prefix/containerd" "${enter[@]}" /usr/bin/containerd --config "$M_CONFIG/containerd.toml"
  wait_for "containerd of $M_NAME" 30 in_node ctr --address "$M_RUNTIME/containerd.sock" version
  kubelet_arguments
  start "$prefix/kubelet" "${enter[@]}" "$KUBERNETES_BIN/kubelet" "${KUBELET_ARGUMENTS[@]}"
  start "$prefix/kube-proxy" "${enter[@]}" "$KUBERNETES_BIN/kube-proxy" --config "$M_CONFIG/kube-proxy.yaml"
  start "$prefix/sshd" "${enter[@]}" /usr/sbin/sshd -D -e -f "$M_CONFIG/sshd_config"
}

# The kubelet's arguments on the selected machine.
kubelet_arguments() {
  KUBELET_ARGUMENTS=(--config "$M_CONFIG/kubelet.yaml" --kubeconfig "$M_CONFIG/kubelet.kubeconfig"
    --hostname-override "$M_NAME" --node-ip "$M_IP"
    --root-dir "$M_STATE/kubelet" --cert-dir "$M_STATE/kubelet/pki"
    --container-runtime remote --container-runtime-endpoint "unix://$M_RUNTIME/containerd.sock"
    --pod-infra-container-image "$PAUSE_IMAGE")
}

# Print the PIDs of the selected node's processes: those in its mount
# namespace and all their descendants, which include its containers.
node_processes() {
  [[ -e $M_MOUNT_NAMESPACE ]] && mountpoint -q "$M_MOUNT_NAMESPACE" || return 0
  local namespace pid
  namespace=$(stat -L -c %i "$M_MOUNT_NAMESPACE")
  local roots=()
  for pid in /proc/[0-9]*; do
    pid=${pid#/proc/}
    [[ $(stat -L -c %i "/proc/$pid/ns/mnt" 2>/dev/null) == "$namespace" ]] && roots+=("$pid")
  done
  ((${#roots[@]} > 0)) || return 0
  # Walk the parent links once: print every process whose ancestry reaches a root.
  # Zombies are left out: they are already dead and wait only for their parent.
  ps -e -o pid=,ppid=,stat= | awk -v roots="${roots[*]}" '
    BEGIN { split(roots, list, " "); for (i in list) keep[list[i]] = 1 }
    $3 !~ /^Z/ { parent[$1] = $2 }
    END {
      for (pid in parent) {
        for (p = pid; p != "" && p != 0 && p != 1; p = parent[p]) if (p in keep) { print pid; break }
      }
    }'
}

# Stop the selected node the way a power loss would: its link goes down, and
# every process of the node (containerd, kubelet, kube-proxy, sshd, the
# container shims and the containers) gets SIGKILL at once. Dropping its
# mount namespace then releases the runtime tmpfs, container root file
# systems and pod network namespaces. Its disk state stays.
power_off_node() {
  ip link set "$M_LINK" down 2>/dev/null || true
  local pids _
  for _ in 1 2 3 4 5; do
    mapfile -t pids < <(node_processes)
    ((${#pids[@]} == 0)) && break
    kill -KILL "${pids[@]}" 2>/dev/null || true
    sleep 0.2
  done
  ((${#pids[@]} == 0)) || die "processes of $M_NAME survived SIGKILL: ${pids[*]}"
  local component
  for component in "${NODE_COMPONENTS[@]}"; do rm -f "$RUN_DIR/nodes/$M_NAME/$component.pid"; done
  if mountpoint -q "$M_MOUNT_NAMESPACE" 2>/dev/null; then umount "$M_MOUNT_NAMESPACE"; fi
  rm -f "$M_MOUNT_NAMESPACE"
}

# Remove the selected node's network namespace, link and route, after power_off_node.
remove_node_network() {
  ip route del "$M_POD_CIDR" 2>/dev/null || true
  ip link del "$M_LINK" 2>/dev/null || true
  ip netns del "$M_NAME" 2>/dev/null || true
}
