#!/usr/bin/env bash
# Takes a worker node of the local cluster away and brings it back, to show
# what the cluster and Mooring do when a machine is lost.
#
# Usage: node.sh list
#        node.sh stop NODE        power loss: every process of the node dies at once
#        node.sh start NODE       boot it again
#        node.sh disconnect NODE  cut its link to the bridge; its processes keep running
#        node.sh connect NODE     restore the link
set -euo pipefail
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/pki.sh"
source "$(dirname "$0")/configs.sh"
source "$(dirname "$0")/machines.sh"

umask 022
usage="usage: node.sh list | node.sh {stop|start|disconnect|connect} ${NODE_PREFIX}N"
[[ $(id -u) -eq 0 ]] || die "node.sh needs root (network and mount namespaces); run as root"
command=${1:-}
[[ -n $command ]] || die "$usage"

if [[ $command == list ]]; then
  printf '%-22s %-14s %-8s %s\n' NODE ADDRESS LINK PROCESSES
  for name in $(known_nodes); do
    machine_paths "$name"
    link=missing
    if state=$(ip -o link show "$M_LINK" 2>/dev/null); then
      link=down
      [[ $state == *"state UP"* || $state == *",UP"* ]] && link=up
    fi
    running=()
    for component in "${NODE_COMPONENTS[@]}"; do
      running_pid "nodes/$name/$component" >/dev/null && running+=("$component")
    done
    printf '%-22s %-14s %-8s %s\n' "$name" "$M_IP" "$link" "${running[*]:-none}"
  done
  exit 0
fi

name=${2:-}
[[ -n $name ]] || die "$usage"
machine_paths "$name"
[[ $M_NAME != "$NODE_NAME" ]] || die "$NODE_NAME is the control plane; only worker nodes can be stopped"
[[ -d $M_STATE ]] || die "node $name does not exist; 'node.sh list' shows the nodes"

case $command in
  stop)
    power_off_node
    log "$name is off: its processes were killed and its link is down"
    ;;
  start)
    start_node
    log "$name is starting; it rejoins the cluster when its kubelet reports Ready"
    ;;
  disconnect)
    ip link set "$M_LINK" down
    log "$name is cut off the network; its processes keep running"
    ;;
  connect)
    ip link set "$M_LINK" up
    log "$name is connected again"
    ;;
  *) die "unknown command '$command'; $usage" ;;
esac
