import { readFile, writeFile } from "node:fs/promises";
import type { IContainer, IPod } from "kubernetes-models/v1";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type BerthError, ErrorCode, hasCode, isInvalid } from "../../common/index.js";
import { FakeCgroupTree } from "./fake-cgroup-fs.js";
import { PodCgroups } from "./pod-cgroups.js";

type Res = { requests?: Record<string, string>; limits?: Record<string, string> };
const Mi = 1024 * 1024;

function pod(uid: string, ...resources: Res[]): IPod {
  const containers: IContainer[] = resources.map((r, i) => ({
    name: `c${i}`,
    image: "busybox",
    resources: r,
  }));
  return { apiVersion: "v1", kind: "Pod", metadata: { name: uid, uid }, spec: { containers } };
}

const GUARANTEED = pod("1111-aaaa", { limits: { cpu: "500m", memory: "64Mi" } });
const BURSTABLE = pod("2222-bbbb", { requests: { cpu: "250m" }, limits: { cpu: "1" } });
const BURSTABLE_2 = pod("3333-cccc", { requests: { cpu: "750m", memory: "32Mi" } });
const BESTEFFORT = pod("4444-dddd", {});

let tree: FakeCgroupTree;

async function read(path: string): Promise<string> {
  return (await readFile(`${tree.root}${path}`, "utf8")).trim();
}

beforeEach(async () => {
  tree = await FakeCgroupTree.v1();
});

afterEach(async () => {
  await tree.dispose();
});

function cgroups(extra: Partial<ConstructorParameters<typeof PodCgroups>[0]> = {}): PodCgroups {
  return new PodCgroups({ driver: "cgroupfs", version: "auto", root: tree.root, fs: tree, ...extra });
}

describe("PodCgroups on cgroup v1 (cgroupfs driver)", () => {
  it("detects v1 and creates the QoS cgroups in every controller with their shares", async () => {
    const pc = cgroups();
    expect(await pc.version()).toBe("v1");
    expect(await pc.list()).toEqual([]);
    for (const controller of ["cpu", "cpuacct", "cpuset", "memory", "pids", "unified"]) {
      expect(await tree.exists(`${tree.root}/${controller}/kubepods/burstable`)).toBe(true);
      expect(await tree.exists(`${tree.root}/${controller}/kubepods/besteffort`)).toBe(true);
    }
    expect(await read("/cpu/kubepods/besteffort/cpu.shares")).toBe("2");
    expect(await read("/cpu/kubepods/burstable/cpu.shares")).toBe("2");
    expect(await read("/cpuset/kubepods/besteffort/cpuset.cpus")).toBe("0-1");
    expect(await read("/cpuset/kubepods/besteffort/cpuset.mems")).toBe("0");
  });

  it("oomCount: the pod cgroup's memory.failcnt, as the kernel raises it; undefined without the cgroup", async () => {
    const pc = cgroups();
    expect(await pc.oomCount(GUARANTEED)).toBeUndefined();
    await pc.ensure(GUARANTEED);
    expect(await pc.oomCount(GUARANTEED)).toBe(0);
    // Measured with a real pod-level OOM kill on this kernel: failcnt 585, memory.oom_control oom_kill 0.
    await writeFile(`${tree.root}/memory/kubepods/pod1111-aaaa/memory.failcnt`, "585\n");
    expect(await pc.oomCount(GUARANTEED)).toBe(585);
    await writeFile(`${tree.root}/memory/kubepods/pod1111-aaaa/memory.failcnt`, "garbage\n");
    expect(await pc.oomCount(GUARANTEED)).toBeUndefined();
  });

  it("Guaranteed pod: /kubepods/pod<uid> with shares, quota, period and memory limit", async () => {
    const pc = cgroups();
    expect(await pc.ensure(GUARANTEED)).toBe("/kubepods/pod1111-aaaa");
    expect(await read("/cpu/kubepods/pod1111-aaaa/cpu.shares")).toBe("512");
    expect(await read("/cpu/kubepods/pod1111-aaaa/cpu.cfs_quota_us")).toBe("50000");
    expect(await read("/cpu/kubepods/pod1111-aaaa/cpu.cfs_period_us")).toBe("100000");
    expect(await read("/memory/kubepods/pod1111-aaaa/memory.limit_in_bytes")).toBe(String(64 * Mi));
    expect(await read("/cpuset/kubepods/pod1111-aaaa/cpuset.cpus")).toBe("0-1");
    expect(await tree.exists(`${tree.root}/pids/kubepods/pod1111-aaaa`)).toBe(true);
    // Idempotent.
    expect(await pc.ensure(GUARANTEED)).toBe("/kubepods/pod1111-aaaa");
  });

  it("podPidsLimit: pids.max of the pod cgroup in the pids hierarchy, for every QoS class", async () => {
    const pc = cgroups({ podPidsLimit: 64 });
    await pc.ensure(GUARANTEED);
    await pc.ensure(BESTEFFORT);
    expect(await read("/pids/kubepods/pod1111-aaaa/pids.max")).toBe("64");
    expect(await read("/pids/kubepods/besteffort/pod4444-dddd/pids.max")).toBe("64");
    // The QoS cgroups stay unlimited, as the kubelet leaves them.
    expect(await read("/pids/kubepods/besteffort/pids.max")).toBe("max");
  });

  it("no podPidsLimit (the default -1): pids.max left at max", async () => {
    await cgroups().ensure(GUARANTEED);
    expect(await read("/pids/kubepods/pod1111-aaaa/pids.max")).toBe("max");
    await cgroups({ podPidsLimit: 0 }).ensure(BURSTABLE);
    expect(await read("/pids/kubepods/burstable/pod2222-bbbb/pids.max")).toBe("max");
  });

  it("podPidsLimit without a pids hierarchy is an Unsupported error naming the controller", async () => {
    const noPids = await FakeCgroupTree.v1(["cpu", "cpuacct", "memory"]);
    try {
      const pc = new PodCgroups({
        driver: "cgroupfs",
        version: "auto",
        root: noPids.root,
        fs: noPids,
        podPidsLimit: 10,
      });
      const err = await pc.ensure(GUARANTEED).catch((e: unknown) => e);
      expect(hasCode(err, ErrorCode.Unsupported)).toBe(true);
      expect((err as BerthError).message).toContain("pids controller");
    } finally {
      await noPids.dispose();
    }
  });

  it("Burstable pods: quota only when limited, memory left alone; burstable shares follow the pods", async () => {
    const pc = cgroups();
    expect(await pc.ensure(BURSTABLE)).toBe("/kubepods/burstable/pod2222-bbbb");
    expect(await read("/cpu/kubepods/burstable/pod2222-bbbb/cpu.shares")).toBe("256");
    expect(await read("/cpu/kubepods/burstable/pod2222-bbbb/cpu.cfs_quota_us")).toBe("100000");
    expect(await read("/memory/kubepods/burstable/pod2222-bbbb/memory.limit_in_bytes")).toBe(
      "9223372036854771712",
    );
    expect(await read("/cpu/kubepods/burstable/cpu.shares")).toBe("256");

    await pc.ensure(BURSTABLE_2);
    expect(await read("/cpu/kubepods/burstable/pod3333-cccc/cpu.cfs_quota_us")).toBe("-1");
    expect(await read("/cpu/kubepods/burstable/cpu.shares")).toBe("1024");

    await pc.remove("2222-bbbb");
    expect(await read("/cpu/kubepods/burstable/cpu.shares")).toBe("768");
    expect(await pc.list()).toEqual(["3333-cccc"]);
  });

  it("BestEffort pod: /kubepods/besteffort/pod<uid> with shares 2", async () => {
    const pc = cgroups();
    expect(await pc.ensure(BESTEFFORT)).toBe("/kubepods/besteffort/pod4444-dddd");
    expect(await read("/cpu/kubepods/besteffort/pod4444-dddd/cpu.shares")).toBe("2");
    expect(await read("/cpu/kubepods/besteffort/pod4444-dddd/cpu.cfs_quota_us")).toBe("-1");
  });

  it("lists pods of every QoS level and removes them with the runtime's leftovers", async () => {
    const pc = cgroups();
    for (const p of [GUARANTEED, BURSTABLE, BESTEFFORT]) await pc.ensure(p);
    expect(await pc.list()).toEqual(["1111-aaaa", "2222-bbbb", "4444-dddd"]);
    // Container cgroups the runtime created (and did not clean up), also in the hybrid v2 mount.
    await tree.mkdir(`${tree.root}/memory/kubepods/pod1111-aaaa/cri-containerd-abc`);
    await tree.mkdir(`${tree.root}/unified/kubepods/pod1111-aaaa/cri-containerd-abc`);
    await pc.remove("1111-aaaa");
    for (const controller of ["cpu", "cpuacct", "cpuset", "memory", "pids", "unified"]) {
      expect(await tree.exists(`${tree.root}/${controller}/kubepods/pod1111-aaaa`)).toBe(false);
    }
    expect(await pc.list()).toEqual(["2222-bbbb", "4444-dddd"]);
    // Removing again, or a pod that never had a cgroup, is fine.
    await pc.remove("1111-aaaa");
    await pc.remove("9999-ffff");
  });

  it("a pod cgroup with processes cannot be removed yet; a later call finishes", async () => {
    const pc = cgroups();
    await pc.ensure(BESTEFFORT);
    const busy = `${tree.root}/memory/kubepods/besteffort/pod4444-dddd`;
    await tree.addProcess(busy, 4242);
    const err = await pc.remove("4444-dddd").catch((e: unknown) => e);
    expect(hasCode(err, ErrorCode.Internal)).toBe(true);
    expect((err as BerthError).details).toMatchObject({ errno: "EBUSY", path: busy });
    expect(await pc.list()).toEqual(["4444-dddd"]);
    await tree.clearProcesses(busy);
    await pc.remove("4444-dddd");
    expect(await pc.list()).toEqual([]);
  });

  it("places the tree under cgroupRoot and caps kubepods at the pods' allocatable", async () => {
    const pc = cgroups({
      cgroupRoot: "/berth-a",
      podsAllocatable: { cpuMilli: 1500, memoryBytes: 512 * Mi },
    });
    expect(await pc.ensure(BURSTABLE)).toBe("/berth-a/kubepods/burstable/pod2222-bbbb");
    expect(await read("/cpu/berth-a/kubepods/cpu.shares")).toBe("1536");
    expect(await read("/memory/berth-a/kubepods/memory.limit_in_bytes")).toBe(String(512 * Mi));
    expect(await read("/cpuset/berth-a/kubepods/burstable/pod2222-bbbb/cpuset.mems")).toBe("0");
    expect(await pc.list()).toEqual(["2222-bbbb"]);
  });

  it("updateQos recomputes the burstable shares from the active pods (after a restart)", async () => {
    await cgroups().ensure(BURSTABLE);
    const restarted = cgroups();
    await restarted.updateQos([BURSTABLE, BURSTABLE_2, GUARANTEED, BESTEFFORT]);
    expect(await read("/cpu/kubepods/burstable/cpu.shares")).toBe("1024");
    await restarted.updateQos([BURSTABLE_2]);
    expect(await read("/cpu/kubepods/burstable/cpu.shares")).toBe("768");
  });

  it("after a restart, counts the Burstable pods whose cgroups are already there", async () => {
    await cgroups().ensure(BURSTABLE);
    const restarted = cgroups();
    await restarted.ensure(BURSTABLE_2);
    // shares(250m + 750m), not shares(750m).
    expect(await read("/cpu/kubepods/burstable/cpu.shares")).toBe("1024");
    await restarted.remove("2222-bbbb");
    expect(await read("/cpu/kubepods/burstable/cpu.shares")).toBe("768");
  });

  it("refuses bad input with specific errors", async () => {
    const pc = cgroups();
    await expect(pc.ensure(pod("../../etc", {}))).rejects.toSatisfy(isInvalid);
    await expect(pc.remove("a/b")).rejects.toSatisfy(isInvalid);
    expect(() => new PodCgroups({ driver: "cgroupv9" as "cgroupfs", version: "v1" })).toThrow(/cgroupDriver/);
    expect(() => new PodCgroups({ driver: "cgroupfs", version: "v3" as "v1" })).toThrow(/cgroup version/);
    expect(() => new PodCgroups({ driver: "cgroupfs", version: "v1", cgroupRoot: "pods" })).toThrow(
      /absolute/,
    );
  });

  it("takes the hierarchies from the mount table: a stray empty directory is not one", async () => {
    // A systemd inside a container leaves `cpu,cpuacct` behind when cpu and cpuacct are mounted apart.
    const stray = await FakeCgroupTree.v1(["cpu", "cpuacct", "memory"], ["cpu,cpuacct"]);
    try {
      const pc = new PodCgroups({ driver: "cgroupfs", version: "v1", root: stray.root, fs: stray });
      expect(await pc.ensure(GUARANTEED)).toBe("/kubepods/pod1111-aaaa");
      for (const controller of ["cpu", "cpuacct", "memory"]) {
        expect(await stray.exists(`${stray.root}/${controller}/kubepods/pod1111-aaaa`)).toBe(true);
      }
      expect(await stray.subdirs(`${stray.root}/cpu,cpuacct`)).toEqual([]);
      expect(await pc.list()).toEqual(["1111-aaaa"]);
      await pc.remove("1111-aaaa");
      expect(await stray.exists(`${stray.root}/cpu/kubepods/pod1111-aaaa`)).toBe(false);
    } finally {
      await stray.dispose();
    }
  });

  it("needs the cpu and memory controllers", async () => {
    const partial = await FakeCgroupTree.v1(["cpu", "pids"]);
    try {
      const pc = new PodCgroups({ driver: "cgroupfs", version: "v1", root: partial.root, fs: partial });
      const err = await pc.ensure(BESTEFFORT).catch((e: unknown) => e);
      expect(hasCode(err, ErrorCode.Unsupported)).toBe(true);
      expect((err as Error).message).toContain("cpu and memory");
    } finally {
      await partial.dispose();
    }
  });
});

describe("PodCgroups on cgroup v1 (systemd driver)", () => {
  it("names the tree as slices and hands the runtime the pod's slice", async () => {
    const pc = cgroups({ driver: "systemd" });
    expect(await pc.ensure(BURSTABLE)).toBe("kubepods-burstable-pod2222_bbbb.slice");
    expect(pc.cgroupParent(GUARANTEED)).toBe("kubepods-pod1111_aaaa.slice");
    const dir = "/cpu/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod2222_bbbb.slice";
    expect(await read(`${dir}/cpu.shares`)).toBe("256");
    expect(await read("/cpu/kubepods.slice/kubepods-burstable.slice/cpu.shares")).toBe("256");
    expect(await read("/cpu/kubepods.slice/kubepods-besteffort.slice/cpu.shares")).toBe("2");
    await pc.ensure(GUARANTEED);
    expect(await pc.list()).toEqual(["1111-aaaa", "2222-bbbb"]);
    await pc.remove("2222-bbbb");
    expect(await tree.exists(`${tree.root}${dir}`)).toBe(false);
    expect(await pc.list()).toEqual(["1111-aaaa"]);
  });
});
