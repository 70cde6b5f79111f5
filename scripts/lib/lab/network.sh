# shellcheck shell=bash
# Sourced by scripts/lab.sh: the lab's Docker network (the private network of the docker
# provider). Vagrant's docker provider only reuses a named network; it is made here before the
# first node starts and removed after the last one is destroyed. No masquerading and no iptables
# rules: berth's dockerd runs with --iptables=false, and the lab talks only inside this subnet.

lab_ensure_network() {
  local subnet="$1" name="$2"
  if docker network inspect "$name" >/dev/null 2>&1; then
    local have
    have="$(docker network inspect -f '{{range .IPAM.Config}}{{.Subnet}}{{end}}' "$name")"
    [ "$have" = "$subnet" ] || lab_die "Docker network $name has subnet $have, not $subnet: remove it (docker network rm $name)"
    return 0
  fi
  docker network create --driver bridge --subnet "$subnet" \
    --opt com.docker.network.bridge.name="${name:0:15}" \
    --opt com.docker.network.bridge.enable_ip_masquerade=false \
    --label berth-lab=network "$name" >/dev/null || lab_die "cannot create Docker network $name ($subnet)"
  lab_log "created Docker network $name ($subnet)"
}

lab_remove_network() {
  local name="$1" used
  docker network inspect "$name" >/dev/null 2>&1 || return 0
  used="$(docker network inspect -f '{{len .Containers}}' "$name")"
  if [ "$used" != 0 ]; then
    lab_log "Docker network $name still has $used container(s); kept"
    return 0
  fi
  docker network rm "$name" >/dev/null
  lab_log "removed Docker network $name"
}
