#!/usr/bin/env bash
# The Vagrant lab's helper (see README.md, "A multi-node lab"):
#   scripts/lab.sh image     build the docker provider's node image when missing; prints its tag
#   scripts/lab.sh packages  install vagrant and debootstrap when missing
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=lib/lab/node-image.sh
. scripts/lib/lab/node-image.sh

case "${1:-}" in
  image) lab_ensure_image ;;
  *)
    echo "usage: scripts/lab.sh image" >&2
    exit 2
    ;;
esac
