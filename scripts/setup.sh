#!/usr/bin/env bash
# Makes this checkout buildable: Node 24, npm dependencies, compiled dist/. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=lib/node.sh
. scripts/lib/node.sh
ensure_node24
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --silent
fi
npm run --silent build
