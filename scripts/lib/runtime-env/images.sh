# shellcheck shell=bash
# Sourced by scripts/runtime-env.sh: builds berth's local images (src/images/local-images.ts says
# what is inside them) and makes sure containerd, Docker and both registries hold exactly the
# built digests. Every step compares what is there with what was built and acts only on a
# difference, so a second `up` does nothing.

BERTH_IMAGES_OUT="${BERTH_IMAGES_OUT:-$BERTH_REPO/images/build}"
BERTH_IMAGES_LIST="$BERTH_IMAGES_OUT/images.txt"
BERTH_BUSYBOX="${BERTH_BUSYBOX:-/bin/busybox}"
PAUSE_IMAGE="$REGISTRY/berth/pause:1.0"
TEST_IMAGE="$REGISTRY/berth/test:1.0"
GRPC_HEALTH_IMAGE="$REGISTRY/berth/grpc-health:1.0"

# True when FILE is missing or any of the other paths (files or directories searched for files)
# is newer than it.
env_stale() {
  local file="$1"
  shift
  [ -e "$file" ] || return 0
  [ -n "$(find "$@" -newer "$file" -type f ! -name '*.test.ts' -print -quit 2>/dev/null)" ]
}

env_build_images() {
  local builder="$BERTH_REPO/dist/images/build-local-main.js"
  # dist/ is compiled by scripts/setup.sh (Node 24, npm ci, tsc): rerun it when the builder is
  # missing or older than its sources.
  if env_stale "$builder" "$BERTH_REPO/src/images"; then
    env_log "compiling the image builder (scripts/setup.sh)"
    # tsc still emits when some other file of the tree has a type error; go on if ours came out.
    if ! bash "$BERTH_REPO/scripts/setup.sh" >&2; then
      env_stale "$builder" "$BERTH_REPO/src/images" && env_die "scripts/setup.sh failed to compile $builder"
      env_log "scripts/setup.sh failed, but the image builder was compiled: going on"
    fi
  fi
  mkdir -p "$BERTH_IMAGES_OUT"
  local pause="$BERTH_IMAGES_OUT/pause"
  if env_stale "$pause" "$BERTH_REPO/images/pause/pause.c"; then
    env_log "compiling images/pause/pause.c"
    gcc -static -Os -Wall -Wextra -o "$pause.tmp" "$BERTH_REPO/images/pause/pause.c" >&2 &&
      strip "$pause.tmp" && mv -f "$pause.tmp" "$pause" || env_die "cannot compile the pause program"
  fi
  local grpc_health="$BERTH_IMAGES_OUT/grpc-health"
  if env_stale "$grpc_health" "$BERTH_REPO/images/grpc-health/grpc-health.c"; then
    env_log "compiling images/grpc-health/grpc-health.c"
    gcc -static -Os -Wall -Wextra -o "$grpc_health.tmp" "$BERTH_REPO/images/grpc-health/grpc-health.c" >&2 &&
      strip "$grpc_health.tmp" && mv -f "$grpc_health.tmp" "$grpc_health" ||
      env_die "cannot compile the gRPC health server"
  fi
  [ -x "$BERTH_BUSYBOX" ] || env_die "$BERTH_BUSYBOX missing (package busybox-static)"
  # Rebuild when an input changed, or when the list names other images (REGISTRY changed).
  if env_stale "$BERTH_IMAGES_LIST" "$pause" "$grpc_health" "$BERTH_BUSYBOX" "$BERTH_REPO/dist/images" ||
    ! grep -q " $PAUSE_IMAGE " "$BERTH_IMAGES_LIST" || ! grep -q " $TEST_IMAGE " "$BERTH_IMAGES_LIST" ||
    ! grep -q " $GRPC_HEALTH_IMAGE " "$BERTH_IMAGES_LIST"; then
    env_log "building images into $BERTH_IMAGES_OUT"
    # shellcheck source=../node.sh
    . "$BERTH_REPO/scripts/lib/node.sh"
    ensure_node24 || env_die "Node 24 is not available"
    node "$builder" --out "$BERTH_IMAGES_OUT" --registry "$REGISTRY" \
      --pause-binary "$pause" --busybox "$BERTH_BUSYBOX" --grpc-health-binary "$grpc_health" >&2 ||
      env_die "building the images failed"
  fi
}

# The manifest digest containerd (namespace k8s.io) records for REF, or nothing.
env_containerd_image_digest() {
  env_ctr -n "$BERTH_CONTAINERD_NAMESPACE" images ls "name==$1" 2>/dev/null | awk 'NR == 2 { print $3 }'
}

# The image ID (config digest) Docker has for REF, or nothing.
env_docker_image_id() {
  env_docker image inspect --format '{{.Id}}' "$1" 2>/dev/null
}

# The manifest digest the registry at ADDR serves for REF (host/repo:tag), or nothing.
env_registry_digest() {
  local addr="$1" ref="$2" creds="${3:-}" path="${2#*/}"
  local repo="${path%:*}" tag="${path##*:}"
  local args=(-sS -I --max-time 5 -H "Accept: application/vnd.oci.image.manifest.v1+json")
  [ -n "$creds" ] && args+=(-u "$creds")
  curl "${args[@]}" "http://$addr/v2/$repo/manifests/$tag" 2>/dev/null |
    awk 'tolower($1) == "docker-content-digest:" { sub(/\r$/, "", $2); print $2 }'
}

env_load_images() {
  local file ref manifest config archive name repo_tag
  while read -r file ref manifest config; do
    [ -n "$file" ] || continue
    archive="$BERTH_IMAGES_OUT/$file"
    if [ "$(env_containerd_image_digest "$ref")" != "$manifest" ]; then
      env_log "importing $ref into containerd"
      env_ctr -n "$BERTH_CONTAINERD_NAMESPACE" images import "$archive" >&2 ||
        env_die "ctr images import $archive failed"
      [ "$(env_containerd_image_digest "$ref")" = "$manifest" ] ||
        env_die "containerd does not list $ref at $manifest after the import"
    fi
    if [ "$(env_docker_image_id "$ref")" != "$config" ]; then
      env_log "loading $ref into docker"
      env_docker load -i "$archive" >&2 || env_die "docker load $archive failed"
      [ "$(env_docker_image_id "$ref")" = "$config" ] ||
        env_die "docker does not have $ref as $config after the load"
    fi
    repo_tag="${ref#*/}"
    for name in registry auth-registry; do
      local addr="$REGISTRY" creds=""
      if [ "$name" = auth-registry ]; then
        addr="$AUTH_REGISTRY" creds="$AUTH_REGISTRY_USER:$AUTH_REGISTRY_PASSWORD"
      fi
      if [ "$(env_registry_digest "$addr" "$ref" "$creds")" != "$manifest" ]; then
        env_log "pushing $repo_tag to $addr"
        local args=(copy --quiet --insecure-policy --preserve-digests --dest-tls-verify=false)
        [ -n "$creds" ] && args+=(--dest-creds "$creds")
        skopeo "${args[@]}" "oci-archive:$archive" "docker://$addr/$repo_tag" >&2 ||
          env_die "skopeo could not push $repo_tag to $addr"
        [ "$(env_registry_digest "$addr" "$ref" "$creds")" = "$manifest" ] ||
          env_die "$addr does not serve $repo_tag at $manifest after the push"
      fi
    done
  done <"$BERTH_IMAGES_LIST"
}
