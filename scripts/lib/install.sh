# shellcheck shell=bash
# Sourced by scripts/install.sh: idempotent steps that say what they did ("changed", "unchanged").
# Every path goes through $ROOT (BERTH_INSTALL_ROOT; empty on a real machine), so the tests can run
# the installer into a directory with shims for systemctl, apt-get and dpkg-query on PATH.

say() { echo "berth-install: $*" >&2; }
die() {
  echo "berth-install: error: $*" >&2
  exit 1
}

# step NAME STATUS: one line per step, so that a second run shows "unchanged" everywhere.
step() { echo "berth-install: $1: $2"; }

# put DEST MODE < content: writes $ROOT$DEST when its content or mode differs. Sets PUT_CHANGED.
put() {
  local dest="$ROOT$1" mode="$2" tmp
  mkdir -p "$(dirname "$dest")"
  tmp="$(mktemp "$dest.XXXXXX")"
  cat >"$tmp"
  chmod "$mode" "$tmp"
  if [ -f "$dest" ] && cmp -s "$tmp" "$dest" && [ "$(stat -c %a "$dest")" = "$(stat -c %a "$tmp")" ]; then
    rm -f "$tmp"
    PUT_CHANGED=0
    step "$1" unchanged
  else
    mv -f "$tmp" "$dest"
    PUT_CHANGED=1
    step "$1" written
  fi
}

# missing_packages PKG...: the ones dpkg does not list as installed (one per line).
missing_packages() {
  local p
  for p in "$@"; do
    # dpkg-query exits 1 for an unknown package: ask one at a time, never under pipefail's rule.
    if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed"; then echo "$p"; fi
  done
}

ensure_packages() {
  local missing
  missing="$(missing_packages "$@")"
  if [ -z "$missing" ]; then
    step "packages $*" unchanged
    return 0
  fi
  # shellcheck disable=SC2086
  {
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=300 update -qq &&
      apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends $missing
  } >&2 || die "apt-get install $(echo $missing) failed; its message is above"
  mkdir -p "$ROOT/etc/berth"
  echo "$missing" >>"$ROOT/etc/berth/installed-packages"
  step "packages $(echo $missing)" installed
}

# Node 24 via scripts/lib/node.sh (the npm registry), linked at /opt/berth/bin/node for the units.
ensure_node() {
  BERTH_TOOLS_DIR="$ROOT/opt/berth/tools"
  # shellcheck source=node.sh
  . "$SOURCE/scripts/lib/node.sh"
  local tools="$ROOT/opt/berth/tools/node24" had=0
  [ -e "$tools" ] && had=1
  ensure_node24 || die "cannot install Node $BERTH_NODE_MAJOR"
  if [ "$had" = 0 ] && [ -e "$tools" ]; then
    mkdir -p "$ROOT/etc/berth"
    echo /opt/berth/tools/node24 >>"$ROOT/etc/berth/installed-dirs"
  fi
  local node
  node="$(readlink -f "$(command -v node)")"
  mkdir -p "$ROOT/opt/berth/bin"
  if [ "$(readlink "$ROOT/opt/berth/bin/node" 2>/dev/null)" = "$node" ]; then
    step "/opt/berth/bin/node" unchanged
  else
    ln -sfn "$node" "$ROOT/opt/berth/bin/node"
    step "/opt/berth/bin/node" "linked to $node"
  fi
}

# The production dependencies of $SOURCE (package-lock.json entries not marked dev), one path
# per line relative to $SOURCE; a package nested in another is listed too.
production_packages() {
  node -e '
    const { existsSync, readFileSync } = require("node:fs");
    const dir = process.argv[1];
    const lock = JSON.parse(readFileSync(dir + "/package-lock.json", "utf8"));
    for (const [path, meta] of Object.entries(lock.packages ?? {})) {
      if (path.startsWith("node_modules/") && !meta.dev && existsSync(dir + "/" + path)) console.log(path);
    }' "$SOURCE"
}

# listing DIR PATH...: each file (size, mtime, mode) and link (target) under the paths, sorted.
listing() {
  local dir="$1"
  shift
  (cd "$dir" && find "$@" \( -type f -printf '%p\tf\t%s\t%T@\t%m\n' \) -o \( -type l -printf '%p\tl\t%l\n' \)) |
    LC_ALL=C sort -u
}

# The berth code: dist/, proto/, systemd/, docs/, package.json and the production node_modules of
# $SOURCE in /opt/berth/current, compared by each file's size, time and mode (and each link's
# target). When anything differs, a stage is made from the installed tree (hard links), the files
# that differ are copied over from the source (never written through a link), the ones the source
# no longer has are removed, and the stage is swapped in. Sets CODE_CHANGED.
install_code() {
  [ -f "$SOURCE/dist/cli/main.js" ] || die "$SOURCE/dist/cli/main.js is missing: build it first (scripts/setup.sh)"
  [ -f "$SOURCE/package-lock.json" ] || die "$SOURCE/package-lock.json is missing"
  local stage="$ROOT/opt/berth/.stage" current="$ROOT/opt/berth/current" path
  local paths=(dist proto systemd docs package.json)
  mapfile -t -O ${#paths[@]} paths < <(production_packages)
  local want have=""
  want="$(listing "$SOURCE" "${paths[@]}")"
  if [ -d "$current" ]; then have="$(listing "$current" . | sed 's|^\./||')"; fi
  if [ -d "$current" ] && [ "$want" = "$have" ]; then
    CODE_CHANGED=0
    step "/opt/berth/current" unchanged
    return 0
  fi
  rm -rf "$stage"
  if [ -d "$current" ]; then
    cp -al "$current" "$stage"
    while IFS= read -r path; do
      rm -f "$stage/$path"
    done < <(comm -13 <(cut -f1 <<<"$want" | LC_ALL=C sort -u) <(cut -f1 <<<"$have" | LC_ALL=C sort -u))
    while IFS= read -r path; do
      rm -f "$stage/$path"
      mkdir -p "$stage/$(dirname "$path")"
      cp -a "$SOURCE/$path" "$stage/$path"
    done < <(comm -23 <(echo "$want") <(echo "$have") | cut -f1)
  else
    mkdir -p "$stage"
    # Sorted, a package comes before the ones nested in it, which its copy already brought along.
    for path in $(printf '%s\n' "${paths[@]}" | LC_ALL=C sort); do
      [ -e "$stage/$path" ] && continue
      mkdir -p "$stage/$(dirname "$path")"
      cp -a "$SOURCE/$path" "$stage/$path"
    done
  fi
  rm -rf "$current.old"
  [ -d "$current" ] && mv "$current" "$current.old"
  mv "$stage" "$current"
  rm -rf "$current.old"
  CODE_CHANGED=1
  step "/opt/berth/current" "installed from $SOURCE"
}

# install_unit NAME: systemd/NAME from the installed code into /etc/systemd/system.
install_unit() {
  put "/etc/systemd/system/$1" 0644 <"$ROOT/opt/berth/current/systemd/$1"
  [ "$PUT_CHANGED" = 1 ] && UNITS_CHANGED=1
  return 0
}

berth_cli() { "$ROOT/opt/berth/bin/node" "$ROOT/opt/berth/current/dist/cli/main.js" "$@"; }

# enable_and_run UNIT CHANGED: enabled at boot; started, or restarted when CHANGED is 1.
enable_and_run() {
  local unit="$1" changed="$2"
  if [ "${UNITS_CHANGED:-0}" = 1 ]; then
    systemctl daemon-reload
    UNITS_CHANGED=0
  fi
  if systemctl is-enabled --quiet "$unit" 2>/dev/null; then
    step "enable $unit" unchanged
  else
    systemctl enable --quiet "$unit"
    step "enable $unit" enabled
  fi
  if ! systemctl is-active --quiet "$unit" 2>/dev/null; then
    systemctl start "$unit"
    step "run $unit" started
  elif [ "$changed" = 1 ]; then
    systemctl restart "$unit"
    step "run $unit" restarted
  else
    step "run $unit" unchanged
  fi
}

# The capability CAP_SYS_RESOURCE (bit 24) in this process's effective set.
has_cap_sys_resource() {
  local hex
  hex="$(awk '/^CapEff:/ {print $2}' /proc/self/status)"
  [ $(((16#$hex >> 24) & 1)) = 1 ]
}
