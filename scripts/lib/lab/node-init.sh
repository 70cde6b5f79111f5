#!/bin/sh
# PID 1 of a lab node container (the docker provider): Docker mounts the container's own cgroup
# hierarchies (--cgroupns=private) read-only; systemd needs them writable to create its slices.
# Each cgroup mount is re-bound read-write, then systemd takes over as PID 1.
set -eu
mount -o remount,rw /sys/fs/cgroup 2>/dev/null || true
awk '{ for (i = 7; i < NF; i++) if ($i == "-") { if ($(i + 1) ~ /^cgroup2?$/) print $5; break } }' /proc/self/mountinfo | while read -r dir; do
  mount -o remount,bind,rw "$dir" "$dir" 2>/dev/null || mount -o remount,rw "$dir" 2>/dev/null || true
done
exec /sbin/init
