import { describe, expect, it } from "vitest";
import { containerStatsFrom, sandboxStatsFrom } from "./stats.js";

describe("docker stats", () => {
  it("computes the working set from cgroup v1 stats", () => {
    const stats = containerStatsFrom(
      "c1",
      {
        read: "2026-11-22T04:00:00.000000005Z",
        cpu_stats: { cpu_usage: { total_usage: 123456789 } },
        memory_stats: { usage: 10_000_000, stats: { total_inactive_file: 4_000_000, inactive_file: 1 } },
      },
      9n,
    );
    expect(stats).toEqual({
      id: "c1",
      timestamp: 1795320000000000005n,
      cpuUsageCoreNanoSeconds: 123456789n,
      memoryUsageBytes: 10_000_000,
      memoryWorkingSetBytes: 6_000_000,
    });
  });

  it("reads cgroup v2's inactive_file, never goes below zero, and survives a stopped container's empty stats", () => {
    expect(
      containerStatsFrom("c", { memory_stats: { usage: 100, stats: { inactive_file: 40 } } }, 1n)
        .memoryWorkingSetBytes,
    ).toBe(60);
    expect(
      containerStatsFrom("c", { memory_stats: { usage: 100, stats: { inactive_file: 400 } } }, 1n)
        .memoryWorkingSetBytes,
    ).toBe(0);
    expect(containerStatsFrom("c", { read: "0001-01-01T00:00:00Z" }, 7n)).toEqual({
      id: "c",
      timestamp: 7n,
      cpuUsageCoreNanoSeconds: 0n,
      memoryUsageBytes: 0,
      memoryWorkingSetBytes: 0,
    });
  });

  it("sums a pod", () => {
    const pause = containerStatsFrom(
      "p",
      { cpu_stats: { cpu_usage: { total_usage: 1 } }, memory_stats: { usage: 10 } },
      5n,
    );
    const app = containerStatsFrom(
      "a",
      { cpu_stats: { cpu_usage: { total_usage: 2 } }, memory_stats: { usage: 20 } },
      6n,
    );
    expect(sandboxStatsFrom("p", pause, [app])).toEqual({
      id: "p",
      timestamp: 6n,
      cpuUsageCoreNanoSeconds: 3n,
      memoryWorkingSetBytes: 30,
      containers: [app],
    });
  });
});
