import { readFile, writeFile } from "node:fs/promises";
import type { IContainer, IPod } from "kubernetes-models/v1";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ErrorCode, hasCode } from "../../common/index.js";
import { FakeCgroupTree } from "./fake-cgroup-fs.js";
import { PodCgroups, detectCgroupVersion } from "./pod-cgroups.js";

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

const GUARANTEED = pod("1111-aaaa", { limits: { cpu: "1", memory: "128Mi" } });
const BURSTABLE = pod("2222-bbbb", { requests: { cpu: "2", memory: "64Mi" }, limits: { memory: "256Mi" } });
const BESTEFFORT = pod("4444-dddd", {});

let tree: FakeCgroupTree;

async function read(path: string): Promise<string> {
  return (await readFile(`${tree.root}${path}`, "utf8")).trim();
}

beforeEach(async () => {
  tree = await FakeCgroupTree.v2();
});

afterEach(async () => {
  await tree.dispose();
});

function cgroups(driver: "cgroupfs" | "systemd" = "cgroupfs"): PodCgroups {
  return new PodCgroups({ driver, version: "auto", root: tree.root, fs: tree });
}

describe("PodCgroups on cgroup v2", () => {
  it("detects v2 from cgroup.controllers at the top", async () => {
    expect(await detectCgroupVersion(tree.root, tree)).toBe("v2");
    expect(await cgroups().version()).toBe("v2");
  });

  it("enables the controllers down the tree so the pod cgroup gets its limit files", async () => {
    const pc = cgroups();
    expect(await pc.ensure(GUARANTEED)).toBe("/kubepods/pod1111-aaaa");
    expect(await read("/cgroup.subtree_control")).toBe("cpuset cpu io memory hugetlb pids");
    expect(await read("/kubepods/cgroup.subtree_control")).toBe("cpuset cpu io memory hugetlb pids");
    // 1 cpu = 1024 shares = weight 39.
    expect(await read("/kubepods/pod1111-aaaa/cpu.weight")).toBe("39");
    expect(await read("/kubepods/pod1111-aaaa/cpu.max")).toBe("100000 100000");
    expect(await read("/kubepods/pod1111-aaaa/memory.max")).toBe(String(128 * Mi));
  });

  it("oomCount: oom_kill of the pod cgroup's memory.events; undefined without the cgroup", async () => {
    const pc = cgroups();
    expect(await pc.oomCount(GUARANTEED)).toBeUndefined();
    await pc.ensure(GUARANTEED);
    expect(await pc.oomCount(GUARANTEED)).toBe(0);
    const events = `${tree.root}/kubepods/pod1111-aaaa/memory.events`;
    await writeFile(events, "low 0\nhigh 0\nmax 41\noom 1\noom_kill 1\noom_group_kill 0\n");
    expect(await pc.oomCount(GUARANTEED)).toBe(1);
    await writeFile(events, "low 0\nhigh 0\n");
    expect(await pc.oomCount(GUARANTEED)).toBeUndefined();
  });

  it("podPidsLimit: pids.max in the pod cgroup, with pids enabled in its parent", async () => {
    const pc = new PodCgroups({
      driver: "cgroupfs",
      version: "auto",
      root: tree.root,
      fs: tree,
      podPidsLimit: 100,
    });
    await pc.ensure(BURSTABLE);
    expect(await read("/kubepods/burstable/cgroup.subtree_control")).toContain("pids");
    expect(await read("/kubepods/burstable/pod2222-bbbb/pids.max")).toBe("100");
    await cgroups().ensure(GUARANTEED);
    expect(await read("/kubepods/pod1111-aaaa/pids.max")).toBe("max");
  });

  it("QoS cgroups: besteffort weight 1, burstable weight from the burstable requests", async () => {
    const pc = cgroups();
    await pc.ensure(BURSTABLE);
    expect(await read("/kubepods/besteffort/cpu.weight")).toBe("1");
    // 2 cpus = 2048 shares = weight 1 + (2046*9999)/262142 = 79.
    expect(await read("/kubepods/burstable/cpu.weight")).toBe("79");
    expect(await read("/kubepods/burstable/pod2222-bbbb/cpu.weight")).toBe("79");
    // Burstable without a cpu limit on every container: cpu.max stays unlimited.
    expect(await read("/kubepods/burstable/pod2222-bbbb/cpu.max")).toBe("max 100000");
    expect(await read("/kubepods/burstable/pod2222-bbbb/memory.max")).toBe(String(256 * Mi));
    await pc.remove("2222-bbbb");
    expect(await read("/kubepods/burstable/cpu.weight")).toBe("1");
  });

  it("after a restart, reads the burstable pods' requests back from their weights", async () => {
    await cgroups().ensure(BURSTABLE);
    const restarted = cgroups();
    await restarted.list();
    expect(await read("/kubepods/burstable/cpu.weight")).toBe("79");
    await restarted.ensure(pod("5555-eeee", { requests: { cpu: "2" } }));
    // shares(4000m) = 4096 -> weight 1 + (4094*9999)/262142 = 157.
    expect(await read("/kubepods/burstable/cpu.weight")).toBe("157");
  });

  it("lists and removes pods, child cgroups included, and retries after EBUSY", async () => {
    const pc = cgroups();
    await pc.ensure(GUARANTEED);
    await pc.ensure(BESTEFFORT);
    expect(await pc.list()).toEqual(["1111-aaaa", "4444-dddd"]);
    const container = `${tree.root}/kubepods/besteffort/pod4444-dddd/cri-containerd-x`;
    await tree.mkdir(container);
    await tree.addProcess(container, 77);
    const err = await pc.remove("4444-dddd").catch((e: unknown) => e);
    expect(hasCode(err, ErrorCode.Internal)).toBe(true);
    await tree.clearProcesses(container);
    await pc.remove("4444-dddd");
    await pc.remove("1111-aaaa");
    expect(await pc.list()).toEqual([]);
    expect(await tree.exists(`${tree.root}/kubepods/besteffort`)).toBe(true);
  });

  it("systemd driver: slices in the unified tree", async () => {
    const pc = cgroups("systemd");
    expect(await pc.ensure(BESTEFFORT)).toBe("kubepods-besteffort-pod4444_dddd.slice");
    const dir = "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod4444_dddd.slice";
    expect(await read(`${dir}/cpu.weight`)).toBe("1");
    expect(await pc.list()).toEqual(["4444-dddd"]);
  });

  it("needs the cpu and memory controllers offered at the top", async () => {
    const bare = await FakeCgroupTree.v2(["pids"]);
    try {
      const pc = new PodCgroups({ driver: "cgroupfs", version: "v2", root: bare.root, fs: bare });
      const err = await pc.list().catch((e: unknown) => e);
      expect(hasCode(err, ErrorCode.Unsupported)).toBe(true);
    } finally {
      await bare.dispose();
    }
  });
});
