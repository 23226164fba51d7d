#!/usr/bin/env bash
# Stops what scripts/cluster/up.sh started: the worker nodes, the control
# plane's processes (by the PIDs it recorded), the pods' containers and
# network namespaces, kube-proxy's iptables rules, and the links it made. Built binaries, certificates, etcd
# data and registry images are kept, so the next `up` is quick.
set -euo pipefail
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/pki.sh"
source "$(dirname "$0")/configs.sh"
source "$(dirname "$0")/machines.sh"

# Send SIGTERM to a recorded component, then SIGKILL if it outlives 20 seconds.
stop() {
  local name=$1 pid
  if pid=$(running_pid "$name"); then
    log "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + 20))
    while [[ -d /proc/$pid ]] && ((SECONDS < deadline)); do sleep 0.2; done
    if [[ -d /proc/$pid ]]; then kill -KILL "$pid" 2>/dev/null || true; fi
  fi
  rm -f "$RUN_DIR/$name.pid"
}

# 1. Worker nodes: everything they run goes at once, then their network.
for name in $(known_nodes); do
  machine_paths "$name"
  log "stopping $name"
  power_off_node
  remove_node_network
done

# 2. The control plane's kubelet first, so it restarts nothing, then every container it ran.
stop kubelet
if running_pid containerd >/dev/null; then
  ctr_k8s=(ctr --address "$CONTAINERD_SOCKET" --namespace k8s.io)
  for task in $("${ctr_k8s[@]}" tasks list --quiet 2>/dev/null); do
    "${ctr_k8s[@]}" tasks kill --signal SIGKILL "$task" >/dev/null 2>&1 || true
  done
  for task in $("${ctr_k8s[@]}" tasks list --quiet 2>/dev/null); do
    for _ in 1 2 3 4 5 6 7 8 9 10; do
      "${ctr_k8s[@]}" tasks delete "$task" >/dev/null 2>&1 && break
      sleep 0.3
    done
  done
fi
stop containerd

# 3. Pod network namespaces, the pod bridge and the released pod addresses.
if [[ -d $RUN_DIR/containerd/state ]]; then
  while IFS= read -r namespace; do
    umount "$namespace" 2>/dev/null || true
    rm -f "$namespace"
  done < <(find "$RUN_DIR/containerd/state" -path '*netns*' -type f 2>/dev/null)
fi
ip link del mooring-br0 2>/dev/null || true
rm -rf "$STATE_DIR/cni/ipam"

# 4. kube-proxy and its rules.
stop kube-proxy
if [[ -x $KUBERNETES_BIN/kube-proxy ]]; then "$KUBERNETES_BIN/kube-proxy" --cleanup >/dev/null 2>&1 || true; fi

# 5. The control plane, etcd and the registry.
for ((index = ${#COMPONENTS[@]} - 1; index >= 0; index--)); do
  stop "${COMPONENTS[index]}"
done
ip link del "$MACHINES_BRIDGE" 2>/dev/null || true
log "cluster is down (state kept in $STATE_DIR)"
