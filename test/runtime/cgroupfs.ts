/**
 * Pod-level cgroups on a real cgroup v1 host, as the agent makes them: the suite creates
 * /kubepods-test/pod<uid> before the sandbox and removes it after (the runtime only creates
 * per-container cgroups under it).
 */
import { mkdir, readFile, readdir, rmdir } from "node:fs/promises";
import { join } from "node:path";

export const CGROUP_ROOT = "/sys/fs/cgroup";
export const TEST_POD_CGROUP_ROOT = "/kubepods-test";
/** Controllers the suite creates the pod cgroup in; runc fills the rest itself. */
const POD_CONTROLLERS = ["cpu", "cpuacct", "memory", "pids"];

function errnoCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

async function controllers(): Promise<string[]> {
  const entries = await readdir(CGROUP_ROOT, { withFileTypes: true });
  // Real mounts only (some systems make "cpu" a symlink to "cpu,cpuacct"); runc also creates the
  // pod's directory in the hybrid "unified" v2 mount, so that one is included.
  return entries.filter((e) => e.isDirectory()).map((e) => e.name);
}

export async function createPodCgroup(uid: string): Promise<string> {
  const parent = `${TEST_POD_CGROUP_ROOT}/pod${uid}`;
  for (const controller of POD_CONTROLLERS) {
    await mkdir(join(CGROUP_ROOT, controller, parent), { recursive: true });
  }
  return parent;
}

/** Removes the cgroup and anything left below it, deepest first, in every controller. */
export async function removePodCgroup(parent: string): Promise<void> {
  for (const controller of await controllers()) {
    await removeTree(join(CGROUP_ROOT, controller, parent));
  }
}

async function removeTree(dir: string): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return;
    throw err;
  }
  for (const e of entries) if (e.isDirectory()) await removeTree(join(dir, e.name));
  // A cgroup whose last task is still exiting is briefly busy.
  for (let tries = 0; ; tries++) {
    try {
      await rmdir(dir);
      return;
    } catch (err) {
      const code = errnoCode(err);
      if (code === "ENOENT") return;
      if (code !== "EBUSY" || tries >= 50) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

export async function readContainerCgroup(
  parent: string,
  containerId: string,
  controller: string,
  file: string,
): Promise<string> {
  return readFile(join(CGROUP_ROOT, controller, parent, containerId, file), "utf8");
}

/** Removes the suite's /kubepods-test parent when no pod cgroup is left in it (another run may still use it). */
export async function removeTestCgroupRoot(): Promise<void> {
  for (const controller of await controllers()) {
    try {
      await rmdir(join(CGROUP_ROOT, controller, TEST_POD_CGROUP_ROOT));
    } catch (err) {
      const code = errnoCode(err);
      if (code !== "ENOENT" && code !== "EBUSY" && code !== "ENOTEMPTY") throw err;
    }
  }
}
