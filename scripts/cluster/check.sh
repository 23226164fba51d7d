#!/usr/bin/env bash
# Reports whether each part of the local cluster runs and responds, and exits
# non-zero if any does not.
set -uo pipefail
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/pki.sh"
source "$(dirname "$0")/configs.sh"
source "$(dirname "$0")/machines.sh"

failures=0
report() {
  local name=$1 status=$2
  printf '%-36s %s\n' "$name" "$status"
  [[ $status == ok* ]] || failures=$((failures + 1))
}
admin_curl() {
  curl -sf --max-time 5 --cacert "$PKI_DIR/ca.crt" --cert "$PKI_DIR/admin.crt" --key "$PKI_DIR/admin.key" \
    "https://127.0.0.1:$API_PORT$1"
}

# 1. Processes, of the control plane and of each worker node.
components=("${COMPONENTS[@]}")
for node in $(known_nodes); do
  for component in "${NODE_COMPONENTS[@]}"; do components+=("nodes/$node/$component"); done
done
for name in "${components[@]}"; do
  if pid=$(running_pid "$name"); then report "$name" "ok (pid $pid)"; else report "$name" "not running"; fi
done

# 2. Endpoints.
if curl -sf --max-time 5 "http://$REGISTRY_ADDRESS/v2/" >/dev/null; then
  report "registry API" "ok ($REGISTRY_ADDRESS)"
else
  report "registry API" "not answering on $REGISTRY_ADDRESS"
fi
if admin_curl /readyz >/dev/null; then
  report "API server /readyz" "ok (https://127.0.0.1:$API_PORT)"
else
  report "API server /readyz" "not ready"
fi
for node in "$NODE_NAME" $(known_nodes); do
  node_ready=$(admin_curl "/api/v1/nodes/$node" 2>/dev/null |
    jq -r '.status.conditions[]? | select(.type == "Ready") | .status' 2>/dev/null)
  if [[ $node_ready == True ]]; then report "node $node" "ok (Ready)"; else report "node $node" "not Ready"; fi
done
if [[ -f $KUBECONFIG_OUT ]]; then report "kubeconfig" "ok ($KUBECONFIG_OUT)"; else report "kubeconfig" "missing"; fi

if ((failures > 0)); then
  echo "$failures check(s) failed; logs are in $LOG_DIR, and 'npm run cluster:up' starts what is missing" >&2
  exit 1
fi
