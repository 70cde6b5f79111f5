/**
 * What a test node leaves on the machine, found by the kubelet's pod uid label and removed: its
 * containers, its sandboxes, and the cgroup tree under the node's own cgroupRoot. Runs even when a
 * test failed half-way; collects every failure instead of stopping at the first. Also finds what
 * the agent should have removed itself: the runtime objects and pod cgroups of deleted pods.
 */
import { readdir, rmdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { LABEL_NODE_NAME } from "../../src/agent/pods/index.js";
import { LABEL_POD_UID, type ContainerRuntime } from "../../src/runtime/index.js";

const CGROUP_MOUNT = "/sys/fs/cgroup";

export interface RuntimeLeftovers {
  readonly sandboxes: string[];
  readonly containers: string[];
}

/** The sandboxes and containers (any state) of the given pod uids. */
export async function findLeftovers(
  runtime: ContainerRuntime,
  uids: Iterable<string>,
): Promise<RuntimeLeftovers> {
  const sandboxes: string[] = [];
  const containers: string[] = [];
  for (const uid of uids) {
    const labelSelector = { [LABEL_POD_UID]: uid };
    for (const c of await runtime.listContainers({ labelSelector })) containers.push(c.id);
    for (const s of await runtime.listPodSandboxes({ labelSelector })) sandboxes.push(s.id);
  }
  return { sandboxes, containers };
}

/** Stops and removes every container, then every sandbox, of the given pod uids. */
export async function removePodsFromRuntime(
  runtime: ContainerRuntime,
  uids: Iterable<string>,
  failures: string[],
): Promise<void> {
  let found: RuntimeLeftovers;
  try {
    found = await findLeftovers(runtime, uids);
  } catch (err) {
    failures.push(`listing ${runtime.name} leftovers: ${String(err)}`);
    return;
  }
  for (const id of found.containers) {
    try {
      await runtime.stopContainer(id, 0);
      await runtime.removeContainer(id);
    } catch (err) {
      failures.push(`removing ${runtime.name} container ${id}: ${String(err)}`);
    }
  }
  for (const id of found.sandboxes) {
    try {
      await runtime.stopPodSandbox(id);
      await runtime.removePodSandbox(id);
    } catch (err) {
      failures.push(`removing ${runtime.name} sandbox ${id}: ${String(err)}`);
    }
  }
}

async function isDir(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

/** rmdir depth-first (cgroupfs directories hold only control files, which rmdir takes along). */
async function removeCgroupTree(path: string, failures: string[]): Promise<void> {
  for (const entry of await readdir(path, { withFileTypes: true }).catch(() => [])) {
    if (entry.isDirectory()) await removeCgroupTree(join(path, entry.name), failures);
  }
  await rmdir(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== "ENOENT") failures.push(`rmdir ${path}: ${err.code ?? String(err)}`);
  });
}

/** Removes `cgroupRoot` (a test node's own, e.g. /berth-e2e-x) from every cgroup hierarchy. */
export async function removeCgroupRoot(cgroupRoot: string, failures: string[]): Promise<void> {
  const relative = cgroupRoot.replace(/^\/+/, "");
  if (relative === "" || relative.includes("..")) {
    failures.push(`refusing to remove cgroup root ${JSON.stringify(cgroupRoot)}`);
    return;
  }
  const hierarchies = [CGROUP_MOUNT];
  for (const entry of await readdir(CGROUP_MOUNT, { withFileTypes: true }).catch(() => [])) {
    if (entry.isDirectory()) hierarchies.push(join(CGROUP_MOUNT, entry.name));
  }
  for (const hierarchy of hierarchies) {
    const path = join(hierarchy, relative);
    if (await isDir(path)) await removeCgroupTree(path, failures);
  }
}

/** The sandboxes and containers (any state) the agent of `nodeName` made, by pod uid. */
export async function nodeObjectsByPod(
  runtime: ContainerRuntime,
  nodeName: string,
): Promise<Map<string, RuntimeLeftovers>> {
  const labelSelector = { [LABEL_NODE_NAME]: nodeName };
  const byPod = new Map<string, RuntimeLeftovers>();
  const of = (uid: string): RuntimeLeftovers => {
    let found = byPod.get(uid);
    if (found === undefined) byPod.set(uid, (found = { sandboxes: [], containers: [] }));
    return found;
  };
  for (const c of await runtime.listContainers({ labelSelector })) {
    of(c.labels[LABEL_POD_UID] ?? "").containers.push(c.id);
  }
  for (const s of await runtime.listPodSandboxes({ labelSelector })) {
    of(s.labels[LABEL_POD_UID] ?? "").sandboxes.push(s.id);
  }
  return byPod;
}

/** A pod cgroup's directory name: cgroupfs `pod<uid>`, systemd `...-pod<uid with _>.slice`. */
const POD_CGROUP =
  /pod([0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12})(?:\.slice)?$/;

async function collectPodCgroups(path: string, found: Map<string, string[]>): Promise<void> {
  for (const entry of await readdir(path, { withFileTypes: true }).catch(() => [])) {
    if (!entry.isDirectory()) continue;
    const child = join(path, entry.name);
    const match = POD_CGROUP.exec(entry.name);
    if (match?.[1] !== undefined) {
      const uid = match[1].replaceAll("_", "-");
      found.set(uid, [...(found.get(uid) ?? []), child]);
    } else {
      await collectPodCgroups(child, found);
    }
  }
}

/** The pod cgroups under `cgroupRoot` in every hierarchy, by pod uid. */
export async function podCgroupsUnder(cgroupRoot: string): Promise<Map<string, string[]>> {
  const relative = cgroupRoot.replace(/^\/+/, "");
  const found = new Map<string, string[]>();
  if (relative === "" || relative.includes("..")) return found;
  const hierarchies = [CGROUP_MOUNT];
  for (const entry of await readdir(CGROUP_MOUNT, { withFileTypes: true }).catch(() => [])) {
    if (entry.isDirectory()) hierarchies.push(join(CGROUP_MOUNT, entry.name));
  }
  for (const hierarchy of hierarchies) await collectPodCgroups(join(hierarchy, relative), found);
  return found;
}
