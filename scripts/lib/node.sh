# shellcheck shell=bash
# Sourced, not run. Puts Node 24 LTS first on PATH, installing it from the npm registry when the
# machine's node is older. Idempotent: a second call finds it and does nothing.
BERTH_TOOLS_DIR="${BERTH_TOOLS_DIR:-/opt/berth/tools}"
BERTH_NODE_MAJOR=24

berth_node_major() {
  "${1:-node}" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0
}

ensure_node24() {
  local bin="$BERTH_TOOLS_DIR/node24/node_modules/node/bin"
  if [ "$(berth_node_major node)" -ge "$BERTH_NODE_MAJOR" ] 2>/dev/null; then
    return 0
  fi
  if [ ! -x "$bin/node" ] || [ "$(berth_node_major "$bin/node")" -lt "$BERTH_NODE_MAJOR" ]; then
    echo "berth: installing Node $BERTH_NODE_MAJOR LTS into $BERTH_TOOLS_DIR/node24 (npm registry)" >&2
    mkdir -p "$BERTH_TOOLS_DIR/node24"
    npm install --silent --no-audit --no-fund --prefix "$BERTH_TOOLS_DIR/node24" "node@$BERTH_NODE_MAJOR" >&2
  fi
  export PATH="$bin:$PATH"
  if [ "$(berth_node_major node)" -lt "$BERTH_NODE_MAJOR" ]; then
    echo "berth: Node $BERTH_NODE_MAJOR is still not first on PATH" >&2
    return 1
  fi
}
