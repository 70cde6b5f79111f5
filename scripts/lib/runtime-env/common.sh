# shellcheck shell=bash
# Sourced by scripts/runtime-env.sh: paths, logging and the process helpers every daemon uses.
# Everything berth's environment owns lives under two directories, so it can never clash with a
# system containerd, Docker or registry: data and logs under BERTH_ENV_DIR, sockets and pid files
# under BERTH_ENV_RUN.

BERTH_ENV_DIR="${BERTH_ENV_DIR:-/var/lib/berth-env}"
BERTH_ENV_RUN="${BERTH_ENV_RUN:-/run/berth-env}"
BERTH_ENV_LOGS="$BERTH_ENV_DIR/logs"
BERTH_ENV_PIDS="$BERTH_ENV_RUN/pids"

# How long a daemon may take to answer after it was started.
BERTH_ENV_START_TIMEOUT="${BERTH_ENV_START_TIMEOUT:-60}"

env_log() { echo "runtime-env: $*" >&2; }

env_die() {
  echo "runtime-env: error: $*" >&2
  exit 1
}

# Like env_die, with the last lines of a daemon's log.
env_die_with_log() {
  local name="$1" log="$2"
  shift 2
  echo "runtime-env: error: $name: $*" >&2
  if [ -f "$log" ]; then
    echo "runtime-env: last lines of $log:" >&2
    tail -n 30 "$log" | sed 's/^/  | /' >&2
  fi
  exit 1
}

env_prepare_dirs() {
  mkdir -p "$BERTH_ENV_DIR" "$BERTH_ENV_LOGS" "$BERTH_ENV_RUN" "$BERTH_ENV_PIDS"
}

# Writes stdin to FILE only when the content differs. Returns 0 when FILE changed, 1 when not.
env_write_if_changed() {
  local file="$1" tmp
  tmp="$(mktemp "$file.XXXXXX")"
  cat >"$tmp"
  if [ -f "$file" ] && cmp -s "$tmp" "$file"; then
    rm -f "$tmp"
    return 1
  fi
  mv -f "$tmp" "$file"
  return 0
}

# The pid recorded in NAME's pid file when that process still runs the expected program, else
# nothing. Checking the executable guards against a recycled pid.
env_running_pid() {
  local name="$1" program="$2" pidfile pid exe
  pidfile="$(env_pidfile "$name")"
  [ -f "$pidfile" ] || return 1
  pid="$(cat "$pidfile" 2>/dev/null)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  exe="$(readlink "/proc/$pid/exe" 2>/dev/null)" || return 1
  [ "$(basename "${exe% (deleted)}")" = "$program" ] || return 1
  echo "$pid"
}

env_pidfile() { echo "$BERTH_ENV_PIDS/$1.pid"; }
env_logfile() { echo "$BERTH_ENV_LOGS/$1.log"; }

# Starts a daemon in its own session so that it survives the calling shell (CI runs `up`, then the
# tests, from different shells). Appends its output to its log and records its pid.
env_start_detached() {
  local name="$1"
  shift
  local log
  log="$(env_logfile "$name")"
  echo "=== $(date -u +%FT%TZ) starting: $*" >>"$log"
  # In a script without job control the background child is not a process group leader, so
  # setsid runs the daemon in place and $! is the daemon's own pid.
  # fd 9 is the lock of scripts/runtime-env.sh: a daemon must not hold it.
  setsid "$@" </dev/null >>"$log" 2>&1 9>&- &
  echo "$!" >"$(env_pidfile "$name")"
}

# Sends SIGTERM to NAME's process and waits for it to go; SIGKILL after TIMEOUT seconds.
env_stop_pid() {
  local name="$1" program="$2" timeout="${3:-20}" pid i
  pid="$(env_running_pid "$name" "$program")" || {
    rm -f "$(env_pidfile "$name")"
    return 0
  }
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < timeout * 10; i++)); do
    [ -d "/proc/$pid" ] || break
    sleep 0.1
  done
  if [ -d "/proc/$pid" ]; then
    env_log "$name (pid $pid) did not stop in ${timeout}s, killing it"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.2
  fi
  rm -f "$(env_pidfile "$name")"
  env_log "stopped $name (pid $pid)"
}

# True while PID exists and is not a zombie.
env_pid_alive() {
  local state
  state="$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" || return 1
  [ -n "$state" ] && [ "$state" != Z ]
}

# NAME PROGRAM CHECK...: runs CHECK every 0.1 s until it succeeds. Fails when the daemon NAME
# exits, or after the start timeout (stopping it), printing the tail of its log.
env_wait_ready() {
  local name="$1"
  shift 2
  local deadline=$((SECONDS + BERTH_ENV_START_TIMEOUT)) pid
  pid="$(cat "$(env_pidfile "$name")")"
  while ! "$@" >/dev/null 2>&1; do
    # Not env_running_pid: until setsid has exec'd the daemon, the pid runs another program.
    if ! env_pid_alive "$pid"; then
      env_die_with_log "$name" "$(env_logfile "$name")" "exited during start"
    fi
    if ((SECONDS >= deadline)); then
      kill -TERM "$pid" 2>/dev/null || true
      env_die_with_log "$name" "$(env_logfile "$name")" "did not answer within ${BERTH_ENV_START_TIMEOUT}s"
    fi
    sleep 0.1
  done
}

# True when something listens on TCP PORT (any address).
env_port_in_use() {
  ss -Hltn "sport = :$1" 2>/dev/null | grep -q .
}
