#!/usr/bin/env bash
# berth's main command: brings up a one-machine cluster on embedded defaults and shows it working.
#   1. Node 24, npm dependencies, dist/ (scripts/setup.sh)
#   2. the runtime environment: containerd and Docker on berth's own sockets, loopback registries,
#      the pause and test images (scripts/runtime-env.sh up)
#   3. the berth API server on SQLite in $BERTH_CLUSTER_DIR, in the background
#   4. the berth agent on containerd (Docker when containerd is absent), in the background, with
#      the node's own kubeconfig; waits for the Node to be Ready
#   5. kubectl against it: namespaces, nodes, then the demo pod applied, bound to the node (berth
#      has no scheduler yet: up.sh posts the pods/binding a scheduler would) and shown Running
# Idempotent: a second run reuses what runs. `bash scripts/up.sh down` deletes the demo pod and
# stops the agent, the API server and the runtime environment.
set -euo pipefail
cd "$(dirname "$0")/.."
BERTH_CLUSTER_DIR="${BERTH_CLUSTER_DIR:-/var/lib/berth/cluster}"
APISERVER_LISTEN="${APISERVER_LISTEN:-127.0.0.1:6443}"
apiserver_dir="$BERTH_CLUSTER_DIR/apiserver"
pidfile="$BERTH_CLUSTER_DIR/apiserver.pid"
logfile="$BERTH_CLUSTER_DIR/apiserver.log"
kubeconfig="$apiserver_dir/admin.kubeconfig"
agent_dir="$BERTH_CLUSTER_DIR/agent"
agent_pidfile="$BERTH_CLUSTER_DIR/agent.pid"
agent_logfile="$BERTH_CLUSTER_DIR/agent.log"
node_kubeconfig="$agent_dir/node.kubeconfig"
BERTH_NODE_NAME="${BERTH_NODE_NAME:-$(hostname | tr '[:upper:]' '[:lower:]')}"

say() { printf '\n== %s\n' "$*" >&2; }

# running PIDFILE: the process it names is alive.
running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# stop PIDFILE: SIGTERM and wait up to 20 s (the agent leaves running pods alone).
stop() {
  if running "$1"; then
    kill "$(cat "$1")"
    for _ in $(seq 200); do running "$1" || break; sleep 0.1; done
  fi
  rm -f "$1"
}

if [ "${1:-}" = "down" ]; then
  if running "$pidfile" && running "$agent_pidfile"; then
    # the agent stops the demo pod's containers before it goes (other pods are left as they are)
    kubectl --kubeconfig "$kubeconfig" delete pod demo --ignore-not-found --grace-period=1 --timeout=60s >&2 || true
  fi
  stop "$agent_pidfile"
  stop "$pidfile"
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
if running "$pidfile"; then
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
  running "$pidfile" || { echo "berth apiserver exited; its log:" >&2; tail -n 30 "$logfile" >&2; exit 1; }
  sleep 0.2
done
kubectl --kubeconfig "$kubeconfig" get --raw /readyz >/dev/null

# containerd preferred; Docker when containerd does not answer
if [ -S "$CONTAINERD_SOCKET" ]; then
  runtime=containerd endpoint="$CONTAINERD_ENDPOINT"
else
  runtime=docker endpoint="$DOCKER_ENDPOINT"
fi
say "node agent $BERTH_NODE_NAME on $runtime ($endpoint)"
mkdir -p "$agent_dir"
if running "$agent_pidfile"; then
  echo "already running, pid $(cat "$agent_pidfile")" >&2
else
  node dist/cli/main.js kubeconfig node "$BERTH_NODE_NAME" --data-dir "$apiserver_dir" >"$node_kubeconfig.tmp"
  chmod 600 "$node_kubeconfig.tmp"
  mv "$node_kubeconfig.tmp" "$node_kubeconfig"
  # The same node flags as under systemd: they keep the agent's RSS down (see the file).
  # shellcheck source=../systemd/berth-agent.env
  . systemd/berth-agent.env
  if [[ $runtime == docker ]]; then
    read -ra agent_node_flags <<<"$BERTH_AGENT_NODE_FLAGS_DOCKER"
  else
    read -ra agent_node_flags <<<"$BERTH_AGENT_NODE_FLAGS"
  fi
  setsid node "${agent_node_flags[@]}" dist/cli/main.js agent --kubeconfig "$node_kubeconfig" --node-name "$BERTH_NODE_NAME" \
    --runtime "$runtime" --runtime-endpoint "$endpoint" --root-dir "$agent_dir" \
    --pod-infra-image "$PAUSE_IMAGE" >>"$agent_logfile" 2>&1 </dev/null &
  echo $! >"$agent_pidfile"
fi
node_ready() {
  [ "$(kubectl --kubeconfig "$kubeconfig" get node "$BERTH_NODE_NAME" \
    -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ]
}
for _ in $(seq 300); do
  node_ready && break
  running "$agent_pidfile" || { echo "berth agent exited; its log:" >&2; tail -n 30 "$agent_logfile" >&2; exit 1; }
  sleep 0.2
done
node_ready || { echo "node $BERTH_NODE_NAME is not Ready after 60 s; agent log:" >&2; tail -n 30 "$agent_logfile" >&2; exit 1; }

say "kubectl get namespaces"
kubectl --kubeconfig "$kubeconfig" get namespaces
say "kubectl get nodes -o wide"
kubectl --kubeconfig "$kubeconfig" get nodes -o wide
say "kubectl apply -f examples/demo-pod.yaml"
kubectl --kubeconfig "$kubeconfig" apply -f examples/demo-pod.yaml
if [ -z "$(kubectl --kubeconfig "$kubeconfig" get pod demo -o jsonpath='{.spec.nodeName}')" ]; then
  say "binding pod demo to node $BERTH_NODE_NAME (pods/binding, as a scheduler does)"
  printf '{"apiVersion":"v1","kind":"Binding","metadata":{"name":"demo"},"target":{"apiVersion":"v1","kind":"Node","name":"%s"}}' \
    "$BERTH_NODE_NAME" | kubectl --kubeconfig "$kubeconfig" create --raw /api/v1/namespaces/default/pods/demo/binding -f - >/dev/null
fi
say "waiting for pod demo to be Running"
# A poll rather than `kubectl wait --for=jsonpath` (kubectl 1.23+): Debian's kubectl is 1.20.
pod_phase() { kubectl --kubeconfig "$kubeconfig" get pod demo -o jsonpath='{.status.phase}' 2>/dev/null; }
for _ in $(seq 600); do
  [ "$(pod_phase)" = Running ] && break
  sleep 0.2
done
[ "$(pod_phase)" = Running ] || {
  echo "pod demo is not Running after 120 s; agent log:" >&2
  tail -n 30 "$agent_logfile" >&2
  kubectl --kubeconfig "$kubeconfig" describe pod demo >&2 || true
  exit 1
}
kubectl --kubeconfig "$kubeconfig" get pods -o wide

cat >&2 <<MSG

A one-node berth cluster runs: the API server (pid $(cat "$pidfile"), log $logfile) and the agent
on $runtime as node $BERTH_NODE_NAME (pid $(cat "$agent_pidfile"), log $agent_logfile). Use it with:
  export KUBECONFIG=$kubeconfig
  kubectl get nodes,pods -o wide
The demo pod is Running. berth has no scheduler yet: give your pods
spec.nodeName: $BERTH_NODE_NAME. Stop everything with:
  bash scripts/up.sh down
MSG
