# shellcheck shell=bash
# Sourced, not run. Puts Node 24 LTS first on PATH, installing it from the npm registry when the
# machine's node is older. Idempotent: a second call finds it and does nothing.
BERTH_TOOLS_DIR="${BERTH_TOOLS_DIR:-/opt/berth/tools}"
BERTH_NODE_MAJOR=24

berth_node_major() {
  "${1:-node}" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0
}

# npm fetches Node 24 from the npm registry; a fresh Debian 12 has neither node nor npm, so Debian's
# npm (with its older nodejs) is installed first when npm is missing.
berth_ensure_npm() {
  command -v npm >/dev/null 2>&1 && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "berth: npm is missing, and installing Debian's npm needs root: run as root" >&2
    return 1
  fi
  echo "berth: npm is missing: installing Debian's npm to fetch Node $BERTH_NODE_MAJOR with it" >&2
  {
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=300 update -qq &&
      apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends npm
  } >&2 || {
    echo "berth: apt-get install npm failed; its message is above" >&2
    return 1
  }
  command -v npm >/dev/null 2>&1 || {
    echo "berth: npm is still not on PATH after apt-get install npm" >&2
    return 1
  }
}

ensure_node24() {
  local bin="$BERTH_TOOLS_DIR/node24/node_modules/node/bin"
  if [ "$(berth_node_major node)" -ge "$BERTH_NODE_MAJOR" ] 2>/dev/null; then
    return 0
  fi
  if [ ! -x "$bin/node" ] || [ "$(berth_node_major "$bin/node")" -lt "$BERTH_NODE_MAJOR" ]; then
    berth_ensure_npm || return 1
    echo "berth: installing Node $BERTH_NODE_MAJOR LTS into $BERTH_TOOLS_DIR/node24 (npm registry)" >&2
    mkdir -p "$BERTH_TOOLS_DIR/node24"
    npm install --silent --no-audit --no-fund --prefix "$BERTH_TOOLS_DIR/node24" "node@$BERTH_NODE_MAJOR" >&2 || {
      echo "berth: npm install node@$BERTH_NODE_MAJOR failed; npm's message is above" >&2
      return 1
    }
  fi
  export PATH="$bin:$PATH"
  if [ "$(berth_node_major node)" -lt "$BERTH_NODE_MAJOR" ]; then
    echo "berth: Node $BERTH_NODE_MAJOR is still not first on PATH" >&2
    return 1
  fi
}
