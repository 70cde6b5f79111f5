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

# The projects run one after another, whatever the arguments: the runtime contract suite stops and
# starts the daemons, which must not happen under another project's feet. `--project NAME` (a
# name or a pattern such as 'int*') picks projects; every other argument goes to each run.
known=(unit integration integration-serial runtime)
patterns=()
rest=()
while [ "$#" -gt 0 ]; do
  case "$1" in
    --project)
      [ "$#" -ge 2 ] || { echo "--project needs a name" >&2; exit 2; }
      patterns+=("$2")
      shift 2
      ;;
    --project=*)
      patterns+=("${1#--project=}")
      shift
      ;;
    *)
      rest+=("$1")
      shift
      ;;
  esac
done
[ "${#patterns[@]}" -gt 0 ] || patterns=("*")
selected=()
for project in "${known[@]}"; do
  for pattern in "${patterns[@]}"; do
    # shellcheck disable=SC2053 # the pattern is meant to match as a glob
    if [[ "$project" == $pattern ]]; then
      selected+=("$project")
      break
    fi
  done
done
[ "${#selected[@]}" -gt 0 ] || { echo "no project matches ${patterns[*]} (projects: ${known[*]})" >&2; exit 2; }
# With filters, a project they match nothing in passes with no tests; without, every project must have some.
empty=()
[ "${#rest[@]}" -eq 0 ] || empty=(--passWithNoTests)
for project in "${selected[@]}"; do
  echo "== tests: $project"
  npx --no-install vitest run --project "$project" ${empty[@]+"${empty[@]}"} ${rest[@]+"${rest[@]}"}
done
