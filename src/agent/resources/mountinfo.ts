/**
 * /proc/self/mountinfo (proc(5)): which cgroup file systems are mounted where. The kubelet finds
 * cgroup v1 hierarchies this way (libcontainer's cgroups.GetCgroupMounts), not by listing the
 * directories under /sys/fs/cgroup: a directory there may be empty and unmounted (a systemd inside
 * a container leaves `cpu,cpuacct` behind when cpu and cpuacct are mounted apart), and writing
 * into it fails with EROFS on the read-only tmpfs.
 */

/** proc(5): the mount table of the agent's own mount namespace. */
export const MOUNTINFO_PATH = "/proc/self/mountinfo";

export interface MountInfo {
  readonly mountPoint: string;
  readonly fsType: string;
  /** Per-superblock options; for cgroup v1 they name the controllers (rw,cpu,cpuacct). */
  readonly superOptions: readonly string[];
}

/** mountinfo escapes space, tab, newline and backslash as \ooo. */
function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Parses the table; lines that do not have mountinfo's shape are skipped. */
export function parseMountinfo(text: string): MountInfo[] {
  const mounts: MountInfo[] = [];
  for (const line of text.split("\n")) {
    const fields = line.split(" ");
    const dash = fields.indexOf("-");
    // id parent major:minor root mount-point options [optional...] - fstype source super-options
    if (dash < 6 || fields.length < dash + 4) continue;
    mounts.push({
      mountPoint: unescape(fields[4] ?? ""),
      fsType: fields[dash + 1] ?? "",
      superOptions: (fields[dash + 3] ?? "").split(","),
    });
  }
  return mounts;
}

/**
 * The names of the cgroup hierarchies mounted directly under `root` (cgroup v1 controllers such as
 * "cpu", "cpu,cpuacct", "memory", and the hybrid layout's cgroup2 "unified"), sorted. A later mount
 * on the same point hides an earlier one, as in the kernel's table.
 */
export function cgroupHierarchies(mounts: readonly MountInfo[], root: string): string[] {
  const base = root.replace(/\/+$/, "");
  const byPoint = new Map<string, boolean>();
  for (const m of mounts) {
    const parent = m.mountPoint.slice(0, m.mountPoint.lastIndexOf("/"));
    if (parent !== base || m.mountPoint === base) continue;
    byPoint.set(m.mountPoint, m.fsType === "cgroup" || m.fsType === "cgroup2");
  }
  return [...byPoint]
    .filter(([, cgroup]) => cgroup)
    .map(([point]) => point.slice(base.length + 1))
    .sort();
}
