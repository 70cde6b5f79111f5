#!/usr/bin/env bash
# The Vagrant lab's helper for the docker provider (see README.md, "A multi-node lab"). The
# Vagrantfile calls it; by hand it is useful to build the image ahead of time.
#   scripts/lab.sh image-tag             the node image's tag (a hash of what goes in)
#   scripts/lab.sh image                 builds the node image when missing; prints its tag
#   scripts/lab.sh prepare SUBNET NAME   the image and the lab's Docker network, when missing
#   scripts/lab.sh cleanup NAME          removes the lab's network once no node uses it
#   scripts/lab.sh push-images DEST      copies berth's pause and test images from the host's
#                                        registry (scripts/runtime-env.sh, REGISTRY) to DEST
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=lib/lab/node-image.sh
. scripts/lib/lab/node-image.sh
# shellcheck source=lib/lab/network.sh
. scripts/lib/lab/network.sh
# shellcheck source=lib/lab/images.sh
. scripts/lib/lab/images.sh

case "${1:-}" in
  image-tag) lab_image_tag ;;
  image) lab_ensure_image ;;
  prepare)
    [ "$#" -eq 3 ] || lab_die "usage: scripts/lab.sh prepare SUBNET NAME"
    # Vagrant brings the nodes up in parallel: one prepares, the others wait and find it done.
    exec 8>"${TMPDIR:-/tmp}/berth-lab-prepare.lock"
    flock 8
    lab_ensure_image >/dev/null
    lab_ensure_network "$2" "$3"
    ;;
  cleanup)
    [ "$#" -eq 2 ] || lab_die "usage: scripts/lab.sh cleanup NAME"
    lab_remove_network "$2"
    ;;
  push-images)
    [ "$#" -eq 2 ] || lab_die "usage: scripts/lab.sh push-images HOST:PORT"
    lab_push_images "${REGISTRY:-127.0.0.1:5000}" "$2"
    ;;
  *)
    echo "usage: scripts/lab.sh image-tag|image|prepare SUBNET NAME|cleanup NAME|push-images HOST:PORT" >&2
    exit 2
    ;;
esac
