# shellcheck shell=bash
# Sourced by scripts/runtime-env.sh: berth's dockerd, on its own socket, data root, exec root,
# pid file, bridge and config file, so that it never meets a system Docker.
#
# It runs its own managed containerd (dockerd starts one under its exec root, with its own socket
# and state). We do not point it at berth's containerd: the runtime contract suite stops one
# daemon at a time ("daemon stopped mid-test"), and that must not take the other runtime down.

BERTH_DOCKER_DIR="$BERTH_ENV_DIR/docker"
BERTH_DOCKER_RUN="$BERTH_ENV_RUN/docker"
BERTH_DOCKER_SOCKET="$BERTH_ENV_RUN/docker.sock"
BERTH_DOCKER_CONFIG="$BERTH_DOCKER_DIR/daemon.json"
BERTH_DOCKER_FLAGS="$BERTH_DOCKER_DIR/flags"
# Debian's docker.io CLI; another `docker` may come first on PATH.
BERTH_DOCKER_CLI="$(command -v /usr/bin/docker || command -v docker || echo docker)"

env_docker() { "$BERTH_DOCKER_CLI" -H "unix://$BERTH_DOCKER_SOCKET" "$@"; }

env_dockerd_args() {
  local args=(
    -H "unix://$BERTH_DOCKER_SOCKET"
    # Our own config file, so /etc/docker/daemon.json of a system Docker is not read.
    --config-file "$BERTH_DOCKER_CONFIG"
    --data-root "$BERTH_DOCKER_DIR/data"
    --exec-root "$BERTH_DOCKER_RUN"
    # dockerd keeps its own pid file; ours (pids/docker.pid) is written by env_start_detached.
    --pidfile "$BERTH_DOCKER_RUN/dockerd.pid"
    --exec-opt native.cgroupdriver=cgroupfs
    --bridge "$BERTH_DOCKER_BRIDGE"
    --fixed-cidr "$BERTH_DOCKER_SUBNET"
    # The host's iptables and forwarding stay as they are: no masquerading, no DOCKER chains.
    --iptables=false --ip-masq=false --ip-forward=false
    # Published ports go through docker-proxy on the host.
    --userland-proxy=true
    # dockerd asks for -500 by default, which fails without CAP_SYS_RESOURCE.
    --oom-score-adjust 0
    --log-level info
  )
  printf '%s\n' "${args[@]}"
}

# Returns 0 when the daemon's flags or config changed.
env_write_docker_config() {
  mkdir -p "$BERTH_DOCKER_DIR/data" "$BERTH_DOCKER_RUN"
  local changed=1
  # Docker 20.10 keeps an identity key in /etc/docker/key.json unless told otherwise.
  printf '{ "deprecated-key-path": "%s" }\n' "$BERTH_DOCKER_DIR/key.json" |
    env_write_if_changed "$BERTH_DOCKER_CONFIG" && changed=0
  env_dockerd_args | env_write_if_changed "$BERTH_DOCKER_FLAGS" && changed=0
  return "$changed"
}

env_docker_ready() {
  [ "$(curl -fsS --max-time 2 --unix-socket "$BERTH_DOCKER_SOCKET" http://docker/_ping 2>/dev/null)" = "OK" ]
}

env_docker_running() { env_running_pid docker dockerd >/dev/null; }

env_start_docker() {
  if env_docker_running; then
    return 0
  fi
  env_ensure_docker_bridge
  # A pid file left by a killed dockerd makes it refuse to start when the pid was reused.
  rm -f "$BERTH_DOCKER_SOCKET" "$BERTH_DOCKER_RUN/dockerd.pid"
  local args
  mapfile -t args <"$BERTH_DOCKER_FLAGS"
  env_start_detached docker dockerd "${args[@]}"
  env_wait_ready docker dockerd env_docker_ready
  env_log "dockerd runs: $BERTH_DOCKER_SOCKET"
}

# dockerd stops its containers and its managed containerd on SIGTERM; give it time for that.
env_stop_docker() { env_stop_pid docker dockerd 60; }
