#!/usr/bin/env bash
# berth's main command: brings up a one-machine cluster on embedded defaults and shows it working.
#   1. Node 24, npm dependencies, dist/ (scripts/setup.sh)
#   2. the runtime environment: containerd and Docker on berth's own sockets, loopback registries,
#      the pause and test images (scripts/runtime-env.sh up)
#   3. the berth API server on SQLite in $BERTH_CLUSTER_DIR, in the background
#   4. kubectl against it: namespaces, then the demo pod applied and listed
# Idempotent: a second run reuses what runs. `bash scripts/up.sh down` stops the API server and
# the runtime environment.
set -euo pipefail
cd "$(dirname "$0")/.."
BERTH_CLUSTER_DIR="${BERTH_CLUSTER_DIR:-/var/lib/berth/cluster}"
APISERVER_LISTEN="${APISERVER_LISTEN:-127.0.0.1:6443}"
apiserver_dir="$BERTH_CLUSTER_DIR/apiserver"
pidfile="$BERTH_CLUSTER_DIR/apiserver.pid"
logfile="$BERTH_CLUSTER_DIR/apiserver.log"
kubeconfig="$apiserver_dir/admin.kubeconfig"

say() { printf '\n== %s\n' "$*" >&2; }

running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

if [ "${1:-}" = "down" ]; then
  if running; then
    kill "$(cat "$pidfile")"
    for _ in $(seq 50); do running || break; sleep 0.1; done
  fi
  rm -f "$pidfile"
  bash scripts/runtime-env.sh down
  exit 0
fi

say "setup: Node 24, dependencies, build"
bash scripts/setup.sh
# shellcheck source=lib/node.sh
. scripts/lib/node.sh
ensure_node24

say "runtime environment: containerd, Docker, registries, images"
exports="$(bash scripts/runtime-env.sh up)"
eval "$exports"

say "API server (SQLite in $apiserver_dir, https://$APISERVER_LISTEN)"
mkdir -p "$apiserver_dir"
if running; then
  echo "already running, pid $(cat "$pidfile")" >&2
else
  setsid node dist/cli/main.js apiserver --data-dir "$apiserver_dir" --listen "$APISERVER_LISTEN" \
    >>"$logfile" 2>&1 </dev/null &
  echo $! >"$pidfile"
fi
for _ in $(seq 100); do
  if [ -f "$kubeconfig" ] && kubectl --kubeconfig "$kubeconfig" get --raw /readyz >/dev/null 2>&1; then
    break
  fi
  running || { echo "berth apiserver exited; its log:" >&2; tail -n 30 "$logfile" >&2; exit 1; }
  sleep 0.2
done
kubectl --kubeconfig "$kubeconfig" get --raw /readyz >/dev/null

say "kubectl get namespaces"
kubectl --kubeconfig "$kubeconfig" get namespaces
say "kubectl apply -f examples/demo-pod.yaml"
kubectl --kubeconfig "$kubeconfig" apply -f examples/demo-pod.yaml
kubectl --kubeconfig "$kubeconfig" get pods -o wide

cat >&2 <<MSG

berth's API server runs (pid $(cat "$pidfile"), log $logfile). Use it with:
  export KUBECONFIG=$kubeconfig
  kubectl get pods -o wide
The demo pod stays Pending until a node agent runs: \`berth agent\` is the next milestone
(see README.md, "What works today"). Stop everything with: bash scripts/up.sh down
MSG
