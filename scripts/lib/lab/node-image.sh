# shellcheck shell=bash
# Sourced by the Vagrantfile's helper (scripts/lab.sh image): the Debian 12 image the docker
# provider boots each lab node from. Built locally, never pulled: debootstrap from the Debian
# mirror apt already uses, the packages a node needs baked in (so `vagrant up` downloads nothing),
# Node 24 copied from the host's tools directory, then `docker import`. The tag is a hash of
# everything that goes in, so a second build finds the image and returns at once.

LAB_IMAGE_REPO="${LAB_IMAGE_REPO:-berth-lab-node}"
LAB_SUITE=bookworm
# What a node runs: systemd as PID 1, sshd for Vagrant, containerd with runc and the CNI plugins,
# the tools the installer and the agent call (iproute2, iptables, mount, ps), the control plane's
# registry (docker-registry) and kubectl's dependencies-free peer curl for checks.
LAB_PACKAGES=(
  systemd systemd-sysv dbus libpam-systemd openssh-server sudo
  containerd runc containernetworking-plugins iproute2 iptables
  ca-certificates curl procps kmod iputils-ping docker-registry
)
LAB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LAB_DEB_CACHE="${LAB_DEB_CACHE:-/var/cache/berth-lab/debs}"
LAB_NODE_TOOLS="${BERTH_TOOLS_DIR:-/opt/berth/tools}/node24"

lab_log() { echo "lab: $*" >&2; }
lab_die() {
  echo "lab: error: $*" >&2
  exit 1
}

# The mirror apt uses on this machine (deb822 or one-line sources), else deb.debian.org.
lab_mirror() {
  local uri
  uri="$(awk '/^URIs:/ && $2 ~ /\/debian\/?$/ { print $2; exit }' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)"
  [ -n "$uri" ] || uri="$(awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)"
  echo "${uri:-http://deb.debian.org/debian}"
}

# Everything the image is made of, hashed: the suite, the package list, the Node 24 version copied
# in, the init script and the function that configures the root file system.
lab_image_tag() {
  local node_version
  node_version="$("$LAB_NODE_TOOLS/node_modules/node/bin/node" --version 2>/dev/null)" ||
    lab_die "Node 24 is missing in $LAB_NODE_TOOLS (scripts/lib/node.sh ensure_node24 installs it)"
  local hash
  hash="$(
    {
      echo "$LAB_SUITE ${LAB_PACKAGES[*]} node $node_version"
      cat "$LAB_DIR/node-init.sh"
      declare -f lab_configure_rootfs
    } | sha256sum | cut -c1-12
  )"
  echo "$LAB_IMAGE_REPO:$hash"
}

lab_have_image() { docker image inspect "$1" >/dev/null 2>&1; }

# Prints the image's tag, building it when missing. docker import keeps no STOPSIGNAL: the
# Vagrantfile passes --stop-signal=SIGRTMIN+3 (systemd's signal to halt) to docker run.
lab_ensure_image() {
  local tag
  tag="$(lab_image_tag)"
  if lab_have_image "$tag"; then
    echo "$tag"
    return 0
  fi
  command -v debootstrap >/dev/null 2>&1 || lab_die "debootstrap is missing (apt-get install debootstrap)"
  local root
  root="$(mktemp -d /var/tmp/berth-lab-rootfs.XXXXXX)"
  # shellcheck disable=SC2064 # expand now: the trap must remove this very directory
  trap "rm -rf '$root' '$root.log'" EXIT
  lab_log "building $tag: debootstrap $LAB_SUITE from $(lab_mirror) (about a minute)"
  local include
  include="$(IFS=,; echo "${LAB_PACKAGES[*]}")"
  # The .deb files are kept: a rebuild (a new package or init script) downloads nothing again.
  mkdir -p "$LAB_DEB_CACHE"
  debootstrap --variant=minbase --cache-dir="$LAB_DEB_CACHE" --include="$include" \
    "$LAB_SUITE" "$root" "$(lab_mirror)" >"$root.log" 2>&1 ||
    { tail -n 20 "$root.log" >&2; lab_die "debootstrap failed (log: $root.log)"; }
  rm -f "$root.log"
  lab_configure_rootfs "$root"
  lab_log "importing $tag"
  tar -C "$root" --numeric-owner -c . | docker import \
    --change 'ENTRYPOINT ["/usr/local/sbin/berth-lab-init"]' \
    --change 'ENV container=docker' \
    - "$tag" >/dev/null || lab_die "docker import failed"
  echo "$tag"
}

lab_configure_rootfs() {
  local root="$1"
  install -m 0755 "$LAB_DIR/node-init.sh" "$root/usr/local/sbin/berth-lab-init"
  # A fresh machine-id at each boot; systemd writes it.
  : >"$root/etc/machine-id"
  rm -f "$root/var/lib/dbus/machine-id"
  # Services a container has no use for, and ones that fight with the container's runtime.
  local unit
  for unit in systemd-resolved.service systemd-timesyncd.service apt-daily.timer apt-daily-upgrade.timer \
    e2scrub_reap.service getty@tty1.service console-getty.service systemd-remount-fs.service \
    dev-hugepages.mount sys-kernel-debug.mount sys-kernel-tracing.mount sys-kernel-config.mount \
    sys-fs-fuse-connections.mount systemd-modules-load.service; do
    ln -sf /dev/null "$root/etc/systemd/system/$unit"
  done
  # containerd and the registry start when the installer (or the Vagrantfile, for the registry)
  # asks for them.
  chroot "$root" systemctl disable containerd.service docker-registry.service >/dev/null 2>&1 || true
  # Vagrant's user: passwordless sudo, Vagrant's well-known key (Vagrant swaps it for a fresh
  # one at the first `vagrant up`).
  chroot "$root" useradd --create-home --shell /bin/bash vagrant
  echo 'vagrant ALL=(ALL) NOPASSWD: ALL' >"$root/etc/sudoers.d/vagrant"
  chmod 0440 "$root/etc/sudoers.d/vagrant"
  local pub
  pub="$(lab_vagrant_insecure_key)"
  install -d -m 0700 -o 1000 -g 1000 "$root/home/vagrant/.ssh"
  install -m 0600 -o 1000 -g 1000 "$pub" "$root/home/vagrant/.ssh/authorized_keys"
  echo 'UseDNS no' >"$root/etc/ssh/sshd_config.d/berth-lab.conf"
  # Node 24 where scripts/lib/node.sh looks for it.
  mkdir -p "$root/opt/berth/tools"
  cp -a "$LAB_NODE_TOOLS" "$root/opt/berth/tools/node24"
  # Trim what a node never reads.
  rm -rf "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/locale/* \
    "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/var/log/*.log
}

lab_vagrant_insecure_key() {
  local f
  for f in /usr/share/rubygems-integration/all/gems/vagrant-*/keys/vagrant.pub /opt/vagrant/embedded/gems/gems/vagrant-*/keys/vagrant.pub; do
    [ -f "$f" ] && { echo "$f"; return 0; }
  done
  lab_die "Vagrant's insecure public key (keys/vagrant.pub) not found: is vagrant installed?"
}
