/**
 * PodCgroups against the real cgroup mount of this machine (cgroup v1 here): pod cgroups are
 * created with their limits under a unique cgroupRoot, a real process is moved into them, removal
 * fails while it runs and succeeds once it exited, and everything is cleaned up; then the same with
 * a real containerd sandbox and container placed in the pod cgroup, with the container's Linux
 * resources from containerLinuxResources. Needs root and the runtime environment
 * (scripts/runtime-env.sh).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, readdir, rm, rmdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { IPod } from "kubernetes-models/v1";
import { afterAll, describe, expect, it } from "vitest";
import { ErrorCode, hasCode } from "../../src/common/index.js";
import { PodCgroups, containerLinuxResources } from "../../src/agent/resources/index.js";
import { createCriRuntime } from "../../src/runtime/cri/index.js";
import { type PodSandboxConfig, containerLabels, sandboxLabels } from "../../src/runtime/index.js";
import { testEnv } from "../support/env.js";

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
        .filter((e) => e.isDirectory())
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
    if (!IS_V2) expect(existsSync(dir("unified", path))).toBe(true);
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

/** Removes the pod cgroup, waiting out the moment a just-stopped task's cgroup is still busy. */
async function removeWhenIdle(pc: PodCgroups, uid: string): Promise<void> {
  for (let tries = 0; ; tries++) {
    try {
      await pc.remove(uid);
      return;
    } catch (err) {
      if (tries >= 30) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

describe("PodCgroups with a real containerd pod", () => {
  it("the sandbox and container nest in the pod cgroup with their limits; the cgroup goes after them", async () => {
    const runtime = createCriRuntime({ endpoint: testEnv.containerdEndpoint() });
    const image = testEnv.testImage();
    const uid = `c0de-${TAG}-${randomBytes(4).toString("hex")}`;
    const name = `cg-${TAG}`;
    const ref = { name, namespace: "berth-test", uid };
    const podSpec: IPod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name, namespace: "berth-test", uid },
      spec: {
        containers: [
          {
            name: "app",
            image,
            resources: { requests: { cpu: "100m", memory: "16Mi" }, limits: { cpu: "500m", memory: "48Mi" } },
          },
        ],
      },
    };
    const pc = new PodCgroups({ driver: "cgroupfs", version: "auto", cgroupRoot: CGROUP_ROOT });
    const logDirectory = await mkdtemp(join(tmpdir(), "berth-cg-logs-"));
    let sandboxId: string | undefined;
    let containerId: string | undefined;
    try {
      const cgroupParent = await pc.ensure(podSpec);
      const path = `${CGROUP_ROOT}/kubepods/burstable/pod${uid}`;
      expect(cgroupParent).toBe(path);
      const sandboxConfig: PodSandboxConfig = {
        metadata: { name, namespace: "berth-test", uid, attempt: 0 },
        hostname: name,
        logDirectory,
        portMappings: [],
        labels: sandboxLabels(ref),
        annotations: {},
        cgroupParent,
        namespaceOptions: { network: "NODE", pid: "CONTAINER", ipc: "POD" },
        sysctls: {},
      };
      sandboxId = await runtime.runPodSandbox(sandboxConfig);
      await mkdir(join(logDirectory, "app"), { recursive: true });
      const container = podSpec.spec!.containers[0]!;
      const resources = containerLinuxResources(podSpec, container, 8 * 1024 ** 3);
      containerId = await runtime.createContainer(
        sandboxId,
        {
          metadata: { name: "app", attempt: 0 },
          image: { image },
          command: ["sleep", "3600"],
          args: [],
          envs: [],
          mounts: [],
          labels: containerLabels(ref, "app"),
          annotations: {},
          logPath: "app/0.log",
          resources,
        },
        sandboxConfig,
      );
      await runtime.startContainer(containerId);

      // runc made the container's cgroup inside the pod cgroup, with the limits berth computed.
      const memoryDir = dir("memory", path);
      const inner = (await readdir(memoryDir, { withFileTypes: true })).filter((e) => e.isDirectory());
      expect(inner.length).toBeGreaterThanOrEqual(1);
      const limits = await Promise.all(
        inner.map((e) => read(`${memoryDir}/${e.name}/${IS_V2 ? "memory.max" : "memory.limit_in_bytes"}`)),
      );
      expect(limits).toContain(String(48 * 1024 * 1024));
      if (!IS_V2) {
        expect(await read(`${dir("cpu", path)}/cpu.shares`)).toBe("102");
        expect(await read(`${dir("cpu", path)}/cpu.cfs_quota_us`)).toBe("50000");
        const quotas = await Promise.all(
          inner.map((e) => read(`${dir("cpu", path)}/${e.name}/cpu.cfs_quota_us`)),
        );
        expect(quotas).toContain("50000");
      }

      // The runtime's processes keep the pod cgroup busy.
      const busy = await pc.remove(uid).catch((e: unknown) => e);
      expect(hasCode(busy, ErrorCode.Internal)).toBe(true);

      await runtime.stopContainer(containerId, 0);
      await runtime.removeContainer(containerId);
      containerId = undefined;
      await runtime.stopPodSandbox(sandboxId);
      await runtime.removePodSandbox(sandboxId);
      sandboxId = undefined;
      await removeWhenIdle(pc, uid);
      expect(await pc.list()).not.toContain(uid);
      const hierarchies = IS_V2 ? [""] : (await readdir(MOUNT)).map((h) => `/${h}`);
      for (const h of hierarchies) expect(existsSync(`${MOUNT}${h}${path}`)).toBe(false);
    } finally {
      if (containerId !== undefined) await runtime.removeContainer(containerId).catch(() => undefined);
      if (sandboxId !== undefined) {
        await runtime.stopPodSandbox(sandboxId).catch(() => undefined);
        await runtime.removePodSandbox(sandboxId).catch(() => undefined);
      }
      await runtime.close();
      await rm(logDirectory, { recursive: true, force: true });
    }
  });
});
