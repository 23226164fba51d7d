#!/usr/bin/env bash
# The main job on the local cluster: bring the cluster up (building
# Kubernetes on the first run), then build, render, apply and wait for the
# three services, and print their table and the frontend's URL.
set -euo pipefail
cd "$(dirname "$0")/.."

started=$SECONDS
bash scripts/cluster/up.sh
npx mooring deploy --env local
echo "demo finished in $((SECONDS - started))s"
