/**
 * PodCgroups against the real cgroup mount of this machine (cgroup v1 here): pod cgroups are
 * created with their limits under a unique cgroupRoot, a real process is moved into them, removal
 * fails while it runs and succeeds once it exited, and everything is cleaned up. Needs root.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { readFile, readdir, rmdir, writeFile } from "node:fs/promises";
import type { IPod } from "kubernetes-models/v1";
import { afterAll, describe, expect, it } from "vitest";
import { ErrorCode, hasCode } from "../../src/common/index.js";
import { PodCgroups } from "../../src/agent/resources/index.js";

const MOUNT = "/sys/fs/cgroup";
const TAG = randomBytes(4).toString("hex");
const CGROUP_ROOT = `/berth-test-${TAG}`;
const IS_V2 = existsSync(`${MOUNT}/cgroup.controllers`);
const children: ChildProcess[] = [];

/** The directory of a cgroup path for one controller (v1) or in the unified tree (v2). */
function dir(controller: string, path: string): string {
  return IS_V2 ? `${MOUNT}${path}` : `${MOUNT}/${controller}${path}`;
}

async function read(file: string): Promise<string> {
  return (await readFile(file, "utf8")).trim();
}

async function removeTree(path: string): Promise<void> {
  if (!existsSync(path)) return;
  for (const entry of await readdir(path, { withFileTypes: true })) {
    if (entry.isDirectory()) await removeTree(`${path}/${entry.name}`);
  }
  await rmdir(path);
}

function pod(uid: string): IPod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "cg", namespace: "default", uid },
    spec: {
      containers: [{ name: "a", image: "busybox", resources: { limits: { cpu: "250m", memory: "32Mi" } } }],
    },
  };
}

afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  const hierarchies = IS_V2
    ? [MOUNT]
    : (await readdir(MOUNT, { withFileTypes: true }))
        .filter((e) => e.isDirectory() && e.name !== "unified")
        .map((e) => `${MOUNT}/${e.name}`);
  for (const h of hierarchies) {
    await removeTree(`${h}${CGROUP_ROOT}`);
    await removeTree(`${h}/berth_test_${TAG}.slice`);
  }
});

describe("PodCgroups on the real cgroup mount", () => {
  it("creates a limited pod cgroup that takes a process, and removes it once the process is gone", async () => {
    const pc = new PodCgroups({ driver: "cgroupfs", version: "auto", cgroupRoot: CGROUP_ROOT });
    expect(await pc.version()).toBe(IS_V2 ? "v2" : "v1");
    const uid = `9e7c1d2a-${TAG}`;
    const parent = await pc.ensure(pod(uid));
    const path = `${CGROUP_ROOT}/kubepods/pod${uid}`;
    expect(parent).toBe(path);
    expect(await pc.list()).toEqual([uid]);

    if (IS_V2) {
      expect(await read(`${dir("cpu", path)}/cpu.max`)).toBe("25000 100000");
      expect(await read(`${dir("memory", path)}/memory.max`)).toBe(String(32 * 1024 * 1024));
    } else {
      expect(await read(`${dir("cpu", path)}/cpu.shares`)).toBe("256");
      expect(await read(`${dir("cpu", path)}/cpu.cfs_quota_us`)).toBe("25000");
      expect(await read(`${dir("cpu", path)}/cpu.cfs_period_us`)).toBe("100000");
      expect(await read(`${dir("memory", path)}/memory.limit_in_bytes`)).toBe(String(32 * 1024 * 1024));
      expect(await read(`${dir("cpuset", path)}/cpuset.cpus`)).toBe(
        await read(`${MOUNT}/cpuset/cpuset.cpus`),
      );
      expect(await read(`${dir("cpu", `${CGROUP_ROOT}/kubepods/besteffort`)}/cpu.shares`)).toBe("2");
    }

    // A real process joins the pod cgroup in every controller berth limits (cpuset proves the
    // inherited cpus and mems: an empty cpuset refuses tasks).
    const sleeper = spawn("sleep", ["60"], { stdio: "ignore" });
    children.push(sleeper);
    await once(sleeper, "spawn");
    const controllers = IS_V2 ? ["unified"] : ["cpu", "memory", "cpuset", "pids"];
    for (const controller of controllers) {
      await writeFile(`${dir(controller, path)}/cgroup.procs`, String(sleeper.pid));
    }
    expect(await read(`${dir("memory", path)}/cgroup.procs`)).toBe(String(sleeper.pid));

    const busy = await pc.remove(uid).catch((e: unknown) => e);
    expect(hasCode(busy, ErrorCode.Internal)).toBe(true);
    expect(await pc.list()).toEqual([uid]);

    sleeper.kill("SIGKILL");
    await once(sleeper, "exit");
    await pc.remove(uid);
    expect(await pc.list()).toEqual([]);
    for (const controller of controllers) expect(existsSync(dir(controller, path))).toBe(false);
  });

  it("names the tree as slices with the systemd driver", async () => {
    const pc = new PodCgroups({ driver: "systemd", version: "auto", cgroupRoot: CGROUP_ROOT });
    const uid = `5b3a-${TAG}`;
    const parent = await pc.ensure({
      ...pod(uid),
      spec: { containers: [{ name: "a", image: "busybox", resources: { requests: { cpu: "100m" } } }] },
    });
    expect(parent).toBe(`berth_test_${TAG}-kubepods-burstable-pod5b3a_${TAG}.slice`);
    const path = `/berth_test_${TAG}.slice/berth_test_${TAG}-kubepods.slice/berth_test_${TAG}-kubepods-burstable.slice/${parent}`;
    expect(existsSync(dir("memory", path))).toBe(true);
    if (!IS_V2) expect(await read(`${dir("cpu", path)}/cpu.shares`)).toBe("102");
    expect(await pc.list()).toEqual([uid]);
    await pc.remove(uid);
    expect(existsSync(dir("memory", path))).toBe(false);
  });
});
