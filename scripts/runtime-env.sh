#!/usr/bin/env bash
# berth's runtime environment: containerd, Docker and two loopback registries, each on berth's own
# sockets, ports and directories, holding the locally built pause and test images.
#
#   runtime-env.sh up                    install what is missing, start what is not running, load
#                                        the images; prints only `export NAME=value` lines
#                                        (eval "$(bash scripts/runtime-env.sh up)"); logs go to stderr
#   runtime-env.sh down                  stop everything `up` started (data stays)
#   runtime-env.sh status                which daemons run and where; exit 0 if all, 3 otherwise
#   runtime-env.sh env                   the exports of `up`, without starting anything
#   runtime-env.sh stop-daemon NAME      stop containerd or docker (runtime contract suite)
#   runtime-env.sh start-daemon NAME     start it again and wait until it answers
#
# Data, configs and logs: $BERTH_ENV_DIR (/var/lib/berth-env); sockets and pids: /run/berth-env.
set -euo pipefail

BERTH_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
lib="$BERTH_REPO/scripts/lib/runtime-env"
# shellcheck source=lib/runtime-env/common.sh
. "$lib/common.sh"
# shellcheck source=lib/runtime-env/packages.sh
. "$lib/packages.sh"
# shellcheck source=lib/runtime-env/registry.sh
. "$lib/registry.sh"
# shellcheck source=lib/runtime-env/images.sh
. "$lib/images.sh"
# shellcheck source=lib/runtime-env/network.sh
. "$lib/network.sh"
# shellcheck source=lib/runtime-env/containerd.sh
. "$lib/containerd.sh"
# shellcheck source=lib/runtime-env/docker.sh
. "$lib/docker.sh"

print_exports() {
  local name
  for name in CONTAINERD_ENDPOINT CONTAINERD_SOCKET CONTAINERD_NAMESPACE DOCKER_ENDPOINT REGISTRY \
    AUTH_REGISTRY AUTH_REGISTRY_USER AUTH_REGISTRY_PASSWORD PAUSE_IMAGE TEST_IMAGE GRPC_HEALTH_IMAGE BERTH_ENV_DIR \
    BERTH_ENV_RUN BERTH_IMAGES_OUT BERTH_RUNTIME_ENV BERTH_CNI_NETWORK BERTH_CNI_BRIDGE BERTH_CNI_SUBNET BERTH_CNI_CONF_DIR \
    BERTH_CNI_BIN_DIR BERTH_DOCKER_BRIDGE BERTH_DOCKER_SUBNET BERTH_DOCKER_GATEWAY; do
    printf 'export %s=%q\n' "$name" "${!name}"
  done
}

CONTAINERD_ENDPOINT="unix://$BERTH_CONTAINERD_SOCKET"
CONTAINERD_SOCKET="$BERTH_CONTAINERD_SOCKET"
CONTAINERD_NAMESPACE="$BERTH_CONTAINERD_NAMESPACE"
DOCKER_ENDPOINT="unix://$BERTH_DOCKER_SOCKET"
BERTH_RUNTIME_ENV="$BERTH_REPO/scripts/runtime-env.sh"

# Writes every config; restarts a running daemon whose config changed (level-triggered).
configure_and_start() {
  if env_write_registry_config registry "$REGISTRY" && env_registry_running registry; then
    env_log "registry config changed: restarting it"
    env_stop_registry registry
  fi
  local auth_changed=1
  env_write_registry_credentials && auth_changed=0
  env_write_registry_config auth-registry "$AUTH_REGISTRY" auth && auth_changed=0
  if [ "$auth_changed" -eq 0 ] && env_registry_running auth-registry; then
    env_log "auth-registry config changed: restarting it"
    env_stop_registry auth-registry
  fi
  local containerd_changed=1
  env_write_cni_config && containerd_changed=0
  env_write_containerd_config && containerd_changed=0
  if [ "$containerd_changed" -eq 0 ] && env_containerd_running; then
    env_log "containerd config changed: restarting it"
    env_stop_containerd
  fi
  if env_write_docker_config && env_docker_running; then
    env_log "dockerd config changed: restarting it"
    env_stop_docker
  fi
  env_start_registry registry "$REGISTRY" 200
  env_start_registry auth-registry "$AUTH_REGISTRY" 401
  env_start_containerd
  env_start_docker
}

cmd_up() {
  env_ensure_packages
  env_prepare_dirs
  configure_and_start
  env_build_images
  env_load_images
  # Final check: everything answers now, whatever happened above.
  env_registry_ready "$REGISTRY" 200 || env_die "registry at $REGISTRY does not answer"
  env_registry_ready "$AUTH_REGISTRY" 401 || env_die "auth-registry at $AUTH_REGISTRY does not answer"
  env_containerd_ready || env_die "containerd at $BERTH_CONTAINERD_SOCKET does not answer"
  env_docker_ready || env_die "dockerd at $BERTH_DOCKER_SOCKET does not answer"
  env_log "ready"
  print_exports
}

cmd_down() {
  env_stop_docker
  env_down_containerd
  env_stop_registry auth-registry
  env_stop_registry registry
}

cmd_status() {
  local all=0 pid
  report() {
    local name="$1" program="$2" where="$3" ready="$4"
    shift 4
    if pid="$(env_running_pid "$name" "$program")"; then
      if "$ready" "$@" >/dev/null 2>&1; then
        printf '%-14s running  pid %-8s %s\n' "$name" "$pid" "$where"
      else
        printf '%-14s starting pid %-8s %s (not answering)\n' "$name" "$pid" "$where"
        all=3
      fi
    else
      printf '%-14s stopped\n' "$name"
      all=3
    fi
  }
  report containerd containerd "$CONTAINERD_ENDPOINT" env_containerd_ready
  report docker dockerd "$DOCKER_ENDPOINT" env_docker_ready
  report registry docker-registry "http://$REGISTRY" env_registry_ready "$REGISTRY" 200
  report auth-registry docker-registry "http://$AUTH_REGISTRY" env_registry_ready "$AUTH_REGISTRY" 401
  return "$all"
}

cmd_stop_daemon() {
  case "${1:-}" in
    containerd) env_stop_containerd ;;
    docker) env_stop_docker ;;
    *) env_die "stop-daemon takes containerd or docker, not '${1:-}'" ;;
  esac
}

cmd_start_daemon() {
  env_prepare_dirs
  case "${1:-}" in
    containerd)
      [ -f "$BERTH_CONTAINERD_CONFIG" ] || env_die "no containerd config yet: run 'up' first"
      env_start_containerd
      ;;
    docker)
      [ -f "$BERTH_DOCKER_FLAGS" ] || env_die "no dockerd config yet: run 'up' first"
      env_start_docker
      ;;
    *) env_die "start-daemon takes containerd or docker, not '${1:-}'" ;;
  esac
}

# One change at a time: a second `up` (or a stop-daemon) waits for the first to finish.
lock() {
  env_prepare_dirs
  exec 9>"$BERTH_ENV_RUN/lock"
  flock 9
}

case "${1:-}" in
  up | down | stop-daemon | start-daemon)
    [ "$(id -u)" -eq 0 ] || env_die "$1 needs root (daemons, bridges and mounts)"
    lock
    ;;
esac

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  env) print_exports ;;
  stop-daemon) cmd_stop_daemon "${2:-}" ;;
  start-daemon) cmd_start_daemon "${2:-}" ;;
  *)
    echo "usage: $0 up|down|status|env|stop-daemon NAME|start-daemon NAME" >&2
    exit 2
    ;;
esac
