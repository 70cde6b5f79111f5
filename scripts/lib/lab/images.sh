# shellcheck shell=bash
# Sourced by scripts/lab.sh: the lab's images. The nodes pull from the registry on the control
# plane (plain http); the host copies berth's pause image (containerd's sandbox image in the lab)
# and the test image there from its own loopback registry, which scripts/runtime-env.sh fills.

LAB_IMAGES=(berth/pause:1.0 berth/test:1.0)

lab_push_images() {
  local from="$1" to="$2" image i
  command -v skopeo >/dev/null 2>&1 || lab_die "skopeo is missing (apt-get install skopeo)"
  curl -fsS -m 5 -o /dev/null "http://$from/v2/" ||
    lab_die "no registry answers at $from: start it with scripts/runtime-env.sh up, or push the images to $to yourself"
  # The control plane's registry may still be starting when the node has just come up.
  for i in $(seq 1 30); do
    curl -fsS -m 5 -o /dev/null "http://$to/v2/" && break
    [ "$i" = 30 ] && lab_die "the lab's registry at $to does not answer"
    sleep 1
  done
  for image in "${LAB_IMAGES[@]}"; do
    skopeo copy -q --src-tls-verify=false --dest-tls-verify=false "docker://$from/$image" "docker://$to/$image" >/dev/null ||
      lab_die "skopeo copy $from/$image to $to failed"
    lab_log "pushed $image to $to"
  done
}
