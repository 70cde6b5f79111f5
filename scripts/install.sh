#!/usr/bin/env bash
# Installs berth on a Debian 12 machine as systemd services (docs/operations.md).
#   install.sh control-plane [--advertise-address IP] [--port 6443] [--cluster-cidr 10.244.0.0/16]
#                            [--token-ttl 24h] [--source DIR]
#   install.sh node --server https://IP:PORT --token ID.SECRET [--runtime containerd|docker]
#                   [--node-ip IP] [--node-name NAME] [--pod-routes host-gw] [--pod-infra-image REF]
#                   [--discovery-token-ca-cert-hash sha256:HEX] [--source DIR]
#   install.sh upgrade [--source DIR]      replaces the code, restarts the services
#   install.sh uninstall                   removes every unit, file and directory it created
# Idempotent: a second run prints "unchanged" for every step. BERTH_INSTALL_ROOT prefixes every
# path it writes (tests run it into a directory, with shims for systemctl and apt-get).
set -euo pipefail
SCRIPT_DIR="$(cd "$(dirname "$0")" && pwd)"
ROOT="${BERTH_INSTALL_ROOT:-}"
SOURCE="$(cd "$SCRIPT_DIR/.." && pwd)"
# shellcheck source=lib/install.sh
. "$SCRIPT_DIR/lib/install.sh"

# kube-apiserver's secure port; kube-controller-manager's --cluster-cidr in kubeadm's examples.
DEFAULT_PORT=6443
DEFAULT_CLUSTER_CIDR=10.244.0.0/16
DEFAULT_TOKEN_TTL=24h
DATA_DIR=/var/lib/berth/apiserver
AGENT_ROOT=/var/lib/berth/agent
CP_UNITS=(berth-apiserver.service berth-controller-manager.service berth-scheduler.service)
CODE_CHANGED=0 UNITS_CHANGED=0 PUT_CHANGED=0

usage() {
  sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

[ $# -ge 1 ] || usage
ROLE="$1"
shift
ADVERTISE="" PORT="$DEFAULT_PORT" CLUSTER_CIDR="$DEFAULT_CLUSTER_CIDR" TOKEN_TTL="$DEFAULT_TOKEN_TTL"
SERVER="" TOKEN="" RUNTIME=containerd NODE_IP="" NODE_NAME="" POD_ROUTES="" CA_HASH="" PAUSE_IMAGE=""
while [ $# -gt 0 ]; do
  case "$1" in -h | --help) usage ;; esac
  [ $# -ge 2 ] || die "$1 needs a value"
  case "$1" in
    --advertise-address) ADVERTISE="$2" ;;
    --port) PORT="$2" ;;
    --cluster-cidr) CLUSTER_CIDR="$2" ;;
    --token-ttl) TOKEN_TTL="$2" ;;
    --server) SERVER="$2" ;;
    --token) TOKEN="$2" ;;
    --runtime) RUNTIME="$2" ;;
    --node-ip) NODE_IP="$2" ;;
    --node-name) NODE_NAME="$2" ;;
    --pod-routes) POD_ROUTES="$2" ;;
    --pod-infra-image) PAUSE_IMAGE="$2" ;;
    --discovery-token-ca-cert-hash) CA_HASH="$2" ;;
    --source) SOURCE="$(cd "$2" && pwd)" ;;
    -h | --help) usage ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
  shift 2
done
[ "$(id -u)" = 0 ] || [ -n "$ROOT" ] || die "run as root"

# The address other machines reach this one at: the source address of the default route.
default_address() {
  ip -4 route get 1.1.1.1 2>/dev/null | awk '{for (i = 1; i < NF; i++) if ($i == "src") {print $(i + 1); exit}}'
}

role_control_plane() {
  [ -n "$ADVERTISE" ] || ADVERTISE="$(default_address)"
  [ -n "$ADVERTISE" ] || die "no --advertise-address and no default route to take it from"
  ensure_node
  install_code
  for unit in "${CP_UNITS[@]}"; do install_unit "$unit"; done
  local units_changed="$UNITS_CHANGED"
  put /etc/berth/apiserver.env 0600 <<ENV
BERTH_APISERVER_ARGS="--data-dir $DATA_DIR --listen 0.0.0.0:$PORT --advertise-address $ADVERTISE"
ENV
  local api_changed=$((CODE_CHANGED | PUT_CHANGED | units_changed))
  put /etc/berth/controller-manager.env 0600 <<ENV
BERTH_CONTROLLER_MANAGER_ARGS="--kubeconfig /etc/berth/admin.kubeconfig --allocate-node-cidrs=true --cluster-cidr $CLUSTER_CIDR"
ENV
  local cm_changed=$((CODE_CHANGED | PUT_CHANGED | units_changed))
  put /etc/berth/scheduler.env 0600 <<ENV
BERTH_SCHEDULER_ARGS="--kubeconfig /etc/berth/admin.kubeconfig"
ENV
  local sched_changed=$((CODE_CHANGED | PUT_CHANGED | units_changed))
  UNITS_CHANGED="$units_changed"
  enable_and_run berth-apiserver.service "$api_changed"
  wait_for_apiserver
  put /etc/berth/admin.kubeconfig 0600 <"$ROOT$DATA_DIR/admin.kubeconfig"
  enable_and_run berth-controller-manager.service "$cm_changed"
  enable_and_run berth-scheduler.service "$sched_changed"
  bootstrap_token
  berth_cli token ca-cert-hash "$ROOT$DATA_DIR/ca.crt" | put /etc/berth/ca-cert-hash 0644
  say "join a node: bash scripts/install.sh node --server https://$ADVERTISE:$PORT --token $(cat "$ROOT/etc/berth/bootstrap-token") --discovery-token-ca-cert-hash $(cat "$ROOT/etc/berth/ca-cert-hash")"
}

# The API server has written its admin kubeconfig (on the first start); requests are retried.
wait_for_apiserver() {
  local i
  for i in $(seq 1 120); do
    [ -f "$ROOT$DATA_DIR/admin.kubeconfig" ] && [ -f "$ROOT$DATA_DIR/ca.crt" ] && return 0
    sleep 0.5
  done
  die "the API server wrote no admin kubeconfig within 60 s: journalctl -u berth-apiserver"
}

# kubeadm's bootstrap token: kept in /etc/berth/bootstrap-token, its Secret made again when expired.
# Retried while the API server (just started or restarted) does not answer yet.
bootstrap_token() {
  local file="$ROOT/etc/berth/bootstrap-token" args=() err token="" i
  [ -f "$file" ] && args=(--token "$(cat "$file")")
  err="$(mktemp)"
  for i in $(seq 1 60); do
    if token="$(berth_cli token create --kubeconfig "$ROOT/etc/berth/admin.kubeconfig" --ttl "$TOKEN_TTL" "${args[@]}" 2>"$err")"; then
      break
    fi
    token=""
    sleep 1
  done
  local msg
  msg="$(cat "$err")"
  rm -f "$err"
  [ -n "$token" ] || die "berth token create failed: $msg"
  echo "$token" | put /etc/berth/bootstrap-token 0600
  case "$msg" in
    *unchanged*) step "bootstrap token secret" unchanged ;;
    *) step "bootstrap token secret" "$msg" ;;
  esac
}

# containerd's CRI settings for berth: CNI from the node's podCIDR through a template, registry
# hosts from certs.d, and oom_score_adj clamped where CAP_SYS_RESOURCE is missing (containers).
containerd_config() {
  local restrict=false conf="$ROOT/etc/containerd/config.toml" sandbox=""
  has_cap_sys_resource || restrict=true
  if [ -n "$PAUSE_IMAGE" ]; then sandbox="$(printf '\n  sandbox_image = "%s"' "$PAUSE_IMAGE")"; fi
  if [ -f "$conf" ] && ! grep -q "Written by berth" "$conf" && [ ! -f "$conf.berth-orig" ]; then
    mv "$conf" "$conf.berth-orig"
    step /etc/containerd/config.toml "kept the previous one as config.toml.berth-orig"
  fi
  put /etc/containerd/config.toml 0644 <<TOML
# Written by berth's scripts/install.sh (docs/operations.md); install.sh uninstall removes it.
version = 2

[plugins."io.containerd.grpc.v1.cri"]
  restrict_oom_score_adj = $restrict$sandbox

[plugins."io.containerd.grpc.v1.cri".cni]
  bin_dir = "/usr/lib/cni"
  conf_dir = "/etc/cni/net.d"
  conf_template = "/etc/berth/cni-template.json"

[plugins."io.containerd.grpc.v1.cri".registry]
  config_path = "/etc/containerd/certs.d"
TOML
  if [ "$PUT_CHANGED" = 1 ]; then
    echo /etc/containerd/config.toml >>"$ROOT/etc/berth/installed-files"
    systemctl restart containerd.service
    step "run containerd.service" restarted
  fi
}

role_node() {
  [ -n "$SERVER" ] || die "node needs --server https://IP:PORT"
  [ -n "$TOKEN" ] || die "node needs --token ID.SECRET (cat /etc/berth/bootstrap-token on the control plane)"
  [[ "$TOKEN" =~ ^[a-z0-9]{6}\.[a-z0-9]{16}$ ]] || die "--token must have the form [a-z0-9]{6}.[a-z0-9]{16}"
  local runtime_unit endpoint
  case "$RUNTIME" in
    containerd)
      ensure_packages containerd containernetworking-plugins
      runtime_unit=containerd.service endpoint=unix:///run/containerd/containerd.sock
      ;;
    docker)
      ensure_packages docker.io containernetworking-plugins
      runtime_unit=docker.service endpoint=unix:///var/run/docker.sock
      ;;
    *) die "--runtime must be containerd or docker, not $RUNTIME" ;;
  esac
  ensure_node
  install_code
  mkdir -p "$ROOT/etc/berth"
  [ "$RUNTIME" = containerd ] && containerd_config
  if [ -f "$SOURCE/lab/cni-template.json" ]; then
    put /etc/berth/cni-template.json 0644 <"$SOURCE/lab/cni-template.json"
  fi
  install_unit berth-agent.service
  put /etc/systemd/system/berth-agent.service.d/10-runtime.conf 0644 <<UNIT
# Written by berth's scripts/install.sh: the agent runs with the node's container runtime.
[Unit]
Requires=$runtime_unit
After=$runtime_unit
UNIT
  [ "$PUT_CHANGED" = 1 ] && UNITS_CHANGED=1
  local units_changed="${UNITS_CHANGED:-0}"
  local hashes=()
  [ -n "$CA_HASH" ] && hashes=(--discovery-token-ca-cert-hash "$CA_HASH")
  local kubeconfig
  kubeconfig="$(berth_cli token kubeconfig --server "$SERVER" --token "$TOKEN" "${hashes[@]}")" ||
    die "cannot reach the API server $SERVER to discover its CA"
  echo "$kubeconfig" | put /etc/berth/bootstrap.kubeconfig 0600
  local changed=$((CODE_CHANGED | PUT_CHANGED | units_changed))
  {
    echo "# KubeletConfiguration fields (docs/agent.md); written by berth's scripts/install.sh"
    echo "apiVersion: kubelet.config.k8s.io/v1beta1"
    echo "kind: KubeletConfiguration"
    [ -n "$POD_ROUTES" ] && echo "podRoutes: $POD_ROUTES"
    true
  } | put /etc/berth/agent.yaml 0644
  changed=$((changed | PUT_CHANGED))
  local args="--bootstrap-kubeconfig /etc/berth/bootstrap.kubeconfig --kubeconfig $AGENT_ROOT/kubeconfig"
  args+=" --config /etc/berth/agent.yaml --root-dir $AGENT_ROOT --runtime $RUNTIME --runtime-endpoint $endpoint"
  [ -n "$NODE_IP" ] && args+=" --node-ip $NODE_IP"
  [ -n "$NODE_NAME" ] && args+=" --node-name $NODE_NAME"
  [ -n "$PAUSE_IMAGE" ] && args+=" --pod-infra-image $PAUSE_IMAGE"
  {
    echo "BERTH_AGENT_ARGS=\"$args\""
    if [ "$RUNTIME" = docker ]; then
      # shellcheck disable=SC1091
      echo "BERTH_AGENT_NODE_FLAGS=\"$(. "$ROOT/opt/berth/current/systemd/berth-agent.env" && echo "$BERTH_AGENT_NODE_FLAGS_DOCKER")\""
    fi
  } | put /etc/berth/agent.env 0600
  changed=$((changed | PUT_CHANGED))
  UNITS_CHANGED="$units_changed"
  systemctl is-enabled --quiet "$runtime_unit" 2>/dev/null || systemctl enable --quiet "$runtime_unit"
  systemctl is-active --quiet "$runtime_unit" 2>/dev/null || systemctl start "$runtime_unit"
  enable_and_run berth-agent.service "$changed"
}

# The units this machine has, among berth's.
installed_units() {
  local unit
  for unit in "${CP_UNITS[@]}" berth-agent.service; do
    [ -f "$ROOT/etc/systemd/system/$unit" ] && echo "$unit"
  done
  return 0
}

role_upgrade() {
  local units
  units="$(installed_units)"
  [ -n "$units" ] || die "berth is not installed here: run install.sh control-plane or node first"
  ensure_node
  install_code
  local unit
  for unit in $units; do install_unit "$unit"; done
  local changed=$((CODE_CHANGED | UNITS_CHANGED))
  for unit in $units; do enable_and_run "$unit" "$changed"; done
}

role_uninstall() {
  local unit
  for unit in berth-agent.service berth-scheduler.service berth-controller-manager.service berth-apiserver.service; do
    [ -f "$ROOT/etc/systemd/system/$unit" ] || continue
    systemctl disable --now --quiet "$unit" || true
    rm -f "$ROOT/etc/systemd/system/$unit"
    step "$unit" removed
  done
  if [ -d "$ROOT/etc/systemd/system/berth-agent.service.d" ]; then
    rm -rf "$ROOT/etc/systemd/system/berth-agent.service.d"
    step /etc/systemd/system/berth-agent.service.d removed
  fi
  systemctl daemon-reload
  local file
  if [ -f "$ROOT/etc/berth/installed-files" ]; then
    while IFS= read -r file; do
      rm -f "$ROOT$file"
      if [ -f "$ROOT$file.berth-orig" ]; then
        mv "$ROOT$file.berth-orig" "$ROOT$file"
        step "$file" "restored from $file.berth-orig"
      else
        step "$file" removed
      fi
    done < <(sort -u "$ROOT/etc/berth/installed-files")
    systemctl restart containerd.service 2>/dev/null || true
  fi
  if [ -f "$ROOT/etc/berth/installed-packages" ]; then
    say "left installed (Debian packages this installer added): $(sort -u "$ROOT/etc/berth/installed-packages" | tr '\n' ' ')"
  fi
  # Pod volumes may still be mounted under the agent's root dir: unmount them before removing it.
  local mount
  while IFS= read -r mount; do
    umount -l "$mount" 2>/dev/null || true
  done < <(awk -v dir="$ROOT/var/lib/berth/" 'index($5, dir) == 1 {print $5}' /proc/self/mountinfo | sort -r)
  # /opt/berth/tools/node24 only when this installer put Node 24 there (a machine image may have).
  local dir dirs=(/var/lib/berth /opt/berth/current /opt/berth/current.old /opt/berth/.stage /opt/berth/bin)
  [ -f "$ROOT/etc/berth/installed-dirs" ] && mapfile -t -O ${#dirs[@]} dirs < <(sort -u "$ROOT/etc/berth/installed-dirs")
  dirs+=(/etc/berth)
  for dir in "${dirs[@]}"; do
    if [ -e "$ROOT$dir" ]; then
      rm -rf "$ROOT$dir"
      step "$dir" removed
    fi
  done
  rmdir "$ROOT/opt/berth/tools" "$ROOT/opt/berth" 2>/dev/null || true
}

case "$ROLE" in
  control-plane) role_control_plane ;;
  node) role_node ;;
  upgrade) role_upgrade ;;
  uninstall) role_uninstall ;;
  -h | --help) usage ;;
  *) die "unknown role $ROLE: control-plane, node, upgrade or uninstall" ;;
esac
