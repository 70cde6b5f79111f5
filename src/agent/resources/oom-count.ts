/**
 * The pod cgroup's OOM count, one reader per cgroup version. berth uses it where the runtime cannot
 * tell: a container killed because the pod-level cgroup, not the container's own, reached its
 * memory limit (pods/status/oom-kills.ts).
 *
 * - v2: `oom_kill` of memory.events. The kernel counts a kill in the victim's cgroup and in every
 *   ancestor, so the pod cgroup's count moves whichever of its cgroups overflowed.
 * - v1: `memory.failcnt`, the times a charge hit this cgroup's own limit. memory.oom_control's
 *   `oom_kill` counts only in the victim's own cgroup (the container's, which goes with it) and
 *   stayed 0 in the pod cgroup when measured (kernel 6.18); `under_oom` is 1 only while the OOM
 *   lasts; an eventfd through cgroup.event_control needs eventfd(2), which Node does not offer.
 *   failcnt moves only when the pod cgroup's own limit is hit (a container's limit fails first in
 *   the container's cgroup), and also when reclaim then succeeds, so it says "the pod reached its
 *   limit", which with an exit on SIGKILL is an OOM kill.
 */

/** v1 memory.failcnt: one decimal. */
export function parseV1OomCount(text: string | undefined): number | undefined {
  const trimmed = text?.trim();
  return trimmed !== undefined && /^[0-9]+$/.test(trimmed) ? Number(trimmed) : undefined;
}

/** v2 memory.events: `oom_kill N` among its `key value` lines. */
export function parseV2OomCount(text: string | undefined): number | undefined {
  for (const line of (text ?? "").split("\n")) {
    const [key, value] = line.trim().split(/\s+/);
    if (key === "oom_kill" && value !== undefined && /^[0-9]+$/.test(value)) return Number(value);
  }
  return undefined;
}
