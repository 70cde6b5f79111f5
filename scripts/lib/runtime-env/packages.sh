# shellcheck shell=bash
# Sourced by scripts/runtime-env.sh: installs the Debian packages the environment needs, only
# those missing, and runs `apt-get update` only when something must be installed.

# The last two are the Vagrant lab's: the docker provider, and debootstrap for the node image.
BERTH_ENV_PACKAGES=(
  containerd runc docker.io containernetworking-plugins busybox-static docker-registry etcd-server
  iproute2 iptables apache2-utils skopeo curl gcc libc6-dev
  vagrant debootstrap
)

env_missing_packages() {
  # One dpkg-query for all; a package dpkg never heard of prints nothing, so compare the lists.
  # dpkg-query exits 1 when any named package is unknown to it (the fresh machine's case), which
  # under pipefail would fail the whole substitution: its exit status is not the answer, the list is.
  # dpkg -s succeeds for removed-but-configured packages too; require "install ok installed".
  local installed
  installed="$({ dpkg-query -W -f='${Package} ${Status}\n' "$@" 2>/dev/null || true; } | awk '$4 == "installed" { print $1 }')"
  local pkg
  for pkg in "$@"; do
    grep -qx -- "$pkg" <<<"$installed" || echo "$pkg"
  done
}

env_ensure_packages() {
  local wanted=("${BERTH_ENV_PACKAGES[@]}") missing
  # An older kubectl from Debian only when no kubectl at all is on PATH.
  command -v kubectl >/dev/null 2>&1 || wanted+=(kubernetes-client)
  mapfile -t missing < <(env_missing_packages "${wanted[@]}")
  [ "${#missing[@]}" -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || env_die "packages missing (${missing[*]}) and not root: run as root"
  env_log "installing ${missing[*]}"
  # Keep the packages' own services (a system containerd and docker) from starting: ours run on
  # their own sockets, and a system daemon would only cost memory. policy-rc.d is Debian's switch
  # for that; it is removed again unless it was there before.
  local policy="${BERTH_POLICY_RC_D:-/usr/sbin/policy-rc.d}" own_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && own_policy=1
  fi
  local rc=0 step=update
  {
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=300 update -qq &&
      step=install &&
      apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}"
  } >&2 || rc=$?
  [ "$own_policy" -eq 1 ] && rm -f "$policy"
  if [ "$rc" -ne 0 ]; then
    [ "$step" = update ] && env_die "apt-get update failed (exit $rc): check the apt sources in /etc/apt"
    local unknown
    unknown="$(env_unavailable_packages "${missing[@]}" | tr '\n' ' ')"
    [ -n "$unknown" ] &&
      env_die "apt-get install failed (exit $rc): no installable package ${unknown% } in the apt sources (Debian 12 has them in main)"
    env_die "apt-get install ${missing[*]} failed (exit $rc); apt-get's own message is above"
  fi
  mapfile -t missing < <(env_missing_packages "${wanted[@]}")
  [ "${#missing[@]}" -eq 0 ] || env_die "still missing after apt-get install: ${missing[*]}"
}

# The packages among the arguments that apt has no installable version of (unknown or no candidate).
env_unavailable_packages() {
  local pkg candidate
  for pkg in "$@"; do
    candidate="$({ apt-cache policy -- "$pkg" 2>/dev/null || true; } | awk '$1 == "Candidate:" { print $2 }')"
    if [ -z "$candidate" ] || [ "$candidate" = "(none)" ]; then echo "$pkg"; fi
  done
}
