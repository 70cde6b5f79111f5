#!/usr/bin/env bash
# The whole test suite, as README.md documents it: setup, lint and format checks, the runtime
# environment (daemons, registries, images), then every vitest project. Integration tests fail,
# never skip, when something they need is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
export BERTH_REPO="$PWD"
bash scripts/setup.sh
# shellcheck source=lib/node.sh
. scripts/lib/node.sh
ensure_node24

echo "== lint and format"
npx --no-install tsc -p tsconfig.check.json
npx --no-install eslint .
npx --no-install prettier --check . >/dev/null || { npx --no-install prettier --check .; exit 1; }

echo "== runtime environment"
exports="$(bash scripts/runtime-env.sh up)"
eval "$exports"

# The projects run one after another: the runtime contract suite stops and starts the daemons,
# which must not happen under another project's feet.
if [ "$#" -gt 0 ]; then
  npx --no-install vitest run "$@"
  exit
fi
for project in unit integration runtime; do
  echo "== tests: $project"
  npx --no-install vitest run --project "$project"
done
