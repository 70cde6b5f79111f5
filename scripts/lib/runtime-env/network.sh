# shellcheck shell=bash
# Sourced by scripts/runtime-env.sh: the networks of berth's runtimes. Both bridges and subnets
# are berth's own, so nothing here touches a system docker0/cni0 or their address ranges. No
# masquerading: pods talk to each other and to the host over the bridges, never to the outside.

BERTH_CNI_BRIDGE="${BERTH_CNI_BRIDGE:-berth-cni0}"
BERTH_CNI_SUBNET="${BERTH_CNI_SUBNET:-10.217.0.0/16}"
BERTH_CNI_NETWORK=berth
BERTH_CNI_CONF_DIR="$BERTH_ENV_DIR/cni/net.d"
BERTH_CNI_BIN_DIR=/usr/lib/cni
BERTH_DOCKER_BRIDGE="${BERTH_DOCKER_BRIDGE:-berth-dkr0}"
BERTH_DOCKER_SUBNET="${BERTH_DOCKER_SUBNET:-10.218.0.0/24}"
BERTH_DOCKER_GATEWAY="${BERTH_DOCKER_GATEWAY:-10.218.0.1}"

# Fails when SUBNET is already routed through an interface other than BRIDGE.
env_check_subnet_free() {
  local subnet="$1" bridge="$2" dev
  dev="$(ip -4 route show to match "${subnet%/*}" 2>/dev/null | awk '$1 != "default" { for (i = 1; i < NF; i++) if ($i == "dev") print $(i + 1) }' | head -n1)"
  if [ -n "$dev" ] && [ "$dev" != "$bridge" ]; then
    env_die "subnet $subnet is already routed via $dev; choose another with BERTH_CNI_SUBNET / BERTH_DOCKER_SUBNET"
  fi
}

# The CNI network containerd's CRI plugin gives each sandbox: a bridge with host-local addresses
# and portmap for hostPort. containerd brings up the sandbox's loopback itself with the loopback
# plugin from bin_dir (go-cni WithLoNetwork), so the conflist holds only the pod interface.
# Returns 0 when the conflist changed.
env_write_cni_config() {
  env_check_subnet_free "$BERTH_CNI_SUBNET" "$BERTH_CNI_BRIDGE"
  local plugin
  for plugin in bridge host-local portmap loopback; do
    [ -x "$BERTH_CNI_BIN_DIR/$plugin" ] || env_die "CNI plugin $BERTH_CNI_BIN_DIR/$plugin missing (package containernetworking-plugins)"
  done
  mkdir -p "$BERTH_CNI_CONF_DIR" "$BERTH_ENV_DIR/cni/ipam"
  env_write_if_changed "$BERTH_CNI_CONF_DIR/10-berth.conflist" <<JSON
{
  "cniVersion": "1.0.0",
  "name": "$BERTH_CNI_NETWORK",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$BERTH_CNI_BRIDGE",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "$BERTH_ENV_DIR/cni/ipam",
        "ranges": [[{ "subnet": "$BERTH_CNI_SUBNET" }]],
        "routes": [{ "dst": "0.0.0.0/0" }]
      }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
JSON
}

# The bridge our dockerd attaches containers to (dockerd -b needs it to exist with its address).
env_ensure_docker_bridge() {
  env_check_subnet_free "$BERTH_DOCKER_SUBNET" "$BERTH_DOCKER_BRIDGE"
  local prefix="${BERTH_DOCKER_SUBNET#*/}"
  if ! ip link show "$BERTH_DOCKER_BRIDGE" >/dev/null 2>&1; then
    ip link add "$BERTH_DOCKER_BRIDGE" type bridge || env_die "cannot create bridge $BERTH_DOCKER_BRIDGE"
  fi
  if ! ip -4 addr show dev "$BERTH_DOCKER_BRIDGE" | grep -q "inet $BERTH_DOCKER_GATEWAY/$prefix "; then
    ip addr add "$BERTH_DOCKER_GATEWAY/$prefix" dev "$BERTH_DOCKER_BRIDGE" ||
      env_die "cannot give $BERTH_DOCKER_BRIDGE the address $BERTH_DOCKER_GATEWAY/$prefix"
  fi
  ip link set "$BERTH_DOCKER_BRIDGE" up
}
