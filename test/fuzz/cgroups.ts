/** The cgroup directories (any hierarchy) under a node's cgroupRoot that belong to given pod uids. */
import { readdir } from "node:fs/promises";
import { join } from "node:path";

const CGROUP_MOUNT = "/sys/fs/cgroup";

async function walk(dir: string, out: string[], depth: number): Promise<void> {
  if (depth > 6) return;
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    if (!entry.isDirectory()) continue;
    const path = join(dir, entry.name);
    out.push(path);
    await walk(path, out, depth + 1);
  }
}

/** Pod cgroups are named after the uid (pod<uid>, with '_' for '-' under systemd). */
export async function cgroupsOf(cgroupRoot: string, uids: readonly string[]): Promise<string[]> {
  const relative = cgroupRoot.replace(/^\/+/, "");
  const dirs: string[] = [];
  for (const h of await readdir(CGROUP_MOUNT, { withFileTypes: true }).catch(() => [])) {
    if (h.isDirectory()) await walk(join(CGROUP_MOUNT, h.name, relative), dirs, 0);
  }
  const needles = uids.flatMap((u) => [u, u.replace(/-/g, "_")]);
  return dirs.filter((d) => needles.some((n) => d.includes(n)));
}
