import { describe, expect, it } from "vitest";
import { silentLogger } from "../../common/log.js";
import { makeSignalObservations } from "./observations.js";
import { NodeStatsReader, type NodeStatsFs } from "./node-stats.js";

const GI = 1024 * 1024 * 1024;
const MEMINFO = "MemTotal:       8388608 kB\nMemFree:        2097152 kB\nMemAvailable:   4194304 kB\n";

function fakeFs(files: Record<string, string>): NodeStatsFs {
  return {
    readFile: async (path) => {
      const text = files[path];
      if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: "ENOENT" });
      return text;
    },
    statfs: async () => ({ blocks: 1000, bsize: 4096, bavail: 50, files: 200, ffree: 5 }),
  };
}

const common = {
  "/proc/meminfo": MEMINFO,
  "/proc/sys/kernel/pid_max": "100\n",
  "/proc/sys/kernel/threads-max": "192739\n",
  "/proc/loadavg": "0.52 0.58 0.59 2/3 17511\n",
};

describe("NodeStatsReader", () => {
  it("v1: the root memory cgroup's usage minus total_inactive_file is the working set", async () => {
    const reader = new NodeStatsReader({
      fs: fakeFs({
        ...common,
        "/cg/memory/memory.usage_in_bytes": `${3 * GI}\n`,
        "/cg/memory/memory.stat": `inactive_file 1\ntotal_inactive_file ${GI}\n`,
      }),
      cgroupMount: "/cg",
      nodefsPath: "/root",
      log: silentLogger(),
    });
    const summary = await reader.summary();
    expect(summary.memory).toEqual({ capacityBytes: 8 * GI, workingSetBytes: 2 * GI });
    const obs = makeSignalObservations(summary);
    expect(obs.get("memory.available")).toEqual({ available: BigInt(6 * GI), capacity: BigInt(8 * GI) });
    expect(obs.get("nodefs.available")).toEqual({ available: 50n * 4096n, capacity: 1000n * 4096n });
    expect(obs.get("nodefs.inodesFree")).toEqual({ available: 5n, capacity: 200n });
    expect(obs.get("imagefs.available")).toEqual(obs.get("nodefs.available"));
    expect(obs.get("pid.available")).toEqual({ available: 97n, capacity: 100n });
  });

  it("v2: usage is MemTotal minus MemFree, less the root memory.stat's inactive_file", async () => {
    const reader = new NodeStatsReader({
      fs: fakeFs({ ...common, "/cg/memory.stat": `anon 5\ninactive_file ${GI}\n` }),
      cgroupMount: "/cg",
      nodefsPath: "/root",
      log: silentLogger(),
    });
    // usage 8 Gi - 2 Gi = 6 Gi; working set 5 Gi
    expect((await reader.summary()).memory).toEqual({ capacityBytes: 8 * GI, workingSetBytes: 5 * GI });
  });

  it("leaves the memory signal unobserved when no memory cgroup can be read", async () => {
    const reader = new NodeStatsReader({
      fs: fakeFs(common),
      cgroupMount: "/cg",
      nodefsPath: "/root",
      log: silentLogger(),
    });
    const obs = makeSignalObservations(await reader.summary());
    expect(obs.has("memory.available")).toBe(false);
    expect(obs.has("nodefs.available")).toBe(true);
  });

  it("pids: the smaller of pid_max and threads-max, and every task from /proc/loadavg", async () => {
    const read = (files: Record<string, string>) =>
      new NodeStatsReader({ fs: fakeFs(files), nodefsPath: "/root", log: silentLogger() }).pids();
    expect(await read(common)).toEqual({ max: 100, running: 3 });
    expect(
      await read({
        ...common,
        "/proc/sys/kernel/threads-max": "64\n",
        "/proc/loadavg": "1.00 2.00 3.00 12/70000 9\n",
      }),
    ).toEqual({ max: 64, running: 70_000 });
    const { "/proc/sys/kernel/pid_max": _, ...noPidMax } = common;
    expect(await read(noPidMax)).toEqual({ max: 192_739, running: 3 });
    // No limit, or no count: the pid signal stays unobserved (the part is logged and left out).
    const { "/proc/loadavg": __, ...noLoadavg } = common;
    await expect(read(noLoadavg)).rejects.toThrow(/loadavg/);
    const reader = new NodeStatsReader({ fs: fakeFs(noLoadavg), nodefsPath: "/root", log: silentLogger() });
    expect(makeSignalObservations(await reader.summary()).has("pid.available")).toBe(false);
  });

  it("never reports negative availability", () => {
    const obs = makeSignalObservations({
      memory: { capacityBytes: 100, workingSetBytes: 150 },
      pids: { max: 10, running: 12 },
    });
    expect(obs.get("memory.available")?.available).toBe(0n);
    expect(obs.get("pid.available")?.available).toBe(0n);
  });
});
