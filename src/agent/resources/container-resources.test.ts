import type { IContainer, IPod } from "kubernetes-models/v1";
import { describe, expect, it } from "vitest";
import { isInvalid } from "../../common/index.js";
import { containerLinuxResources } from "./container-resources.js";
import {
  milliCpuToQuota,
  milliCpuToShares,
  sharesToMilliCpu,
  sharesToWeight,
  weightToShares,
} from "./cpu.js";
import { containerOomScoreAdj } from "./oom-score-adj.js";

type Res = { requests?: Record<string, string>; limits?: Record<string, string> };
const GiB = 1024 ** 3;

function c(name: string, resources: Res = {}, restartPolicy?: string): IContainer {
  return { name, image: "busybox", resources, ...(restartPolicy === undefined ? {} : { restartPolicy }) };
}

function pod(
  containers: IContainer[],
  spec: Partial<NonNullable<IPod["spec"]>> = {},
  annotations = {},
): IPod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", uid: "u1", annotations },
    spec: { ...spec, containers },
  };
}

describe("cpu conversions", () => {
  it("shares: milli*1024/1000 clamped to [2, 262144], 2 without a request", () => {
    expect(milliCpuToShares(0)).toBe(2);
    expect(milliCpuToShares(1)).toBe(2);
    expect(milliCpuToShares(100)).toBe(102);
    expect(milliCpuToShares(1000)).toBe(1024);
    expect(milliCpuToShares(256000)).toBe(262144);
    expect(milliCpuToShares(1000000)).toBe(262144);
  });

  it("quota: milli*100000/1000 with a 1000 us minimum; none without a limit", () => {
    expect(milliCpuToQuota(0)).toBeUndefined();
    expect(milliCpuToQuota(5)).toBe(1000);
    expect(milliCpuToQuota(250)).toBe(25000);
    expect(milliCpuToQuota(2000)).toBe(200000);
  });

  it("v2 weight: 1 + ((shares-2)*9999)/262142", () => {
    expect(sharesToWeight(2)).toBe(1);
    expect(sharesToWeight(1024)).toBe(39);
    expect(sharesToWeight(262144)).toBe(10000);
  });

  it("reads weights and shares back to the smallest value that gives them", () => {
    for (const shares of [2, 3, 102, 1024, 2048, 262144]) {
      expect(sharesToWeight(weightToShares(sharesToWeight(shares)))).toBe(sharesToWeight(shares));
    }
    for (const milli of [0, 1, 100, 250, 1000, 1999, 4000]) {
      expect(milliCpuToShares(sharesToMilliCpu(milliCpuToShares(milli)))).toBe(milliCpuToShares(milli));
    }
    expect(sharesToMilliCpu(256)).toBe(250);
    expect(sharesToMilliCpu(2)).toBe(0);
  });
});

describe("containerOomScoreAdj", () => {
  it("Guaranteed -997, BestEffort 1000", () => {
    const g = pod([c("a", { limits: { cpu: "1", memory: "1Gi" } })]);
    expect(containerOomScoreAdj(g, g.spec!.containers[0]!, 8 * GiB)).toBe(-997);
    const b = pod([c("a")]);
    expect(containerOomScoreAdj(b, b.spec!.containers[0]!, 8 * GiB)).toBe(1000);
  });

  it("Burstable: 1000 - 1000*request/capacity with integer division, kept in [3, 999]", () => {
    const p = pod([
      c("quarter", { requests: { memory: "2Gi" } }),
      c("none", { requests: { cpu: "100m" } }),
      c("all", { requests: { memory: "8Gi" } }),
      c("odd", { requests: { memory: "1G" } }),
    ]);
    const [quarter, none, all, odd] = p.spec!.containers;
    expect(containerOomScoreAdj(p, quarter!, 8 * GiB)).toBe(750);
    expect(containerOomScoreAdj(p, none!, 8 * GiB)).toBe(999);
    expect(containerOomScoreAdj(p, all!, 8 * GiB)).toBe(3);
    // 1000 - floor(1000e9 / 8589934592) = 1000 - 116
    expect(containerOomScoreAdj(p, odd!, 8 * GiB)).toBe(884);
  });

  it("gives a sidecar no higher a score than the app container with the smallest request", () => {
    const sidecar = c("sidecar", { requests: { memory: "100Mi" } }, "Always");
    const plainInit = c("init", { requests: { memory: "100Mi" } });
    const p = pod([c("app", { requests: { memory: "4Gi" } }), c("app2", { requests: { memory: "2Gi" } })], {
      initContainers: [sidecar, plainInit],
    });
    expect(containerOomScoreAdj(p, sidecar, 8 * GiB)).toBe(750);
    expect(containerOomScoreAdj(p, plainInit, 8 * GiB)).toBe(988);
  });

  it("gives node-critical pods -997 whatever their QoS", () => {
    const p = pod([c("a")], { priority: 2000001000, priorityClassName: "system-node-critical" });
    expect(containerOomScoreAdj(p, p.spec!.containers[0]!, 8 * GiB)).toBe(-997);
    const notCritical = pod([c("a")], { priority: 1000, priorityClassName: "system-node-critical" });
    expect(containerOomScoreAdj(notCritical, notCritical.spec!.containers[0]!, 8 * GiB)).toBe(1000);
    const mirror = pod(
      [c("a")],
      { priorityClassName: "system-node-critical" },
      { "kubernetes.io/config.mirror": "x" },
    );
    expect(containerOomScoreAdj(mirror, mirror.spec!.containers[0]!, 8 * GiB)).toBe(-997);
  });

  it("refuses a non-positive capacity", () => {
    const p = pod([c("a")]);
    expect(() => containerOomScoreAdj(p, p.spec!.containers[0]!, 0)).toThrow(/memory capacity/);
    try {
      containerOomScoreAdj(p, p.spec!.containers[0]!, -1);
    } catch (err) {
      expect(isInvalid(err)).toBe(true);
    }
  });
});

describe("containerLinuxResources", () => {
  it("Guaranteed: shares, quota, period, memory limit, -997", () => {
    const p = pod([c("a", { limits: { cpu: "500m", memory: "128Mi" } })]);
    expect(containerLinuxResources(p, p.spec!.containers[0]!, 8 * GiB)).toEqual({
      cpuShares: 512,
      cpuQuota: 50000,
      cpuPeriod: 100000,
      memoryLimitBytes: 128 * 1024 * 1024,
      oomScoreAdj: -997,
    });
  });

  it("Burstable with a request only: shares and score, no quota or memory limit", () => {
    const p = pod([c("a", { requests: { cpu: "250m", memory: "1Gi" } })]);
    expect(containerLinuxResources(p, p.spec!.containers[0]!, 4 * GiB)).toEqual({
      cpuShares: 256,
      oomScoreAdj: 750,
    });
  });

  it("BestEffort: minimum shares and 1000", () => {
    const p = pod([c("a")]);
    expect(containerLinuxResources(p, p.spec!.containers[0]!, 4 * GiB)).toEqual({
      cpuShares: 2,
      oomScoreAdj: 1000,
    });
  });

  it("a cpu limit without a request gives shares from the limit", () => {
    const p = pod([c("a", { limits: { cpu: "2" } })]);
    const r = containerLinuxResources(p, p.spec!.containers[0]!, 4 * GiB);
    expect(r.cpuShares).toBe(2048);
    expect(r.cpuQuota).toBe(200000);
    const zero = pod([c("a", { requests: { cpu: "0" }, limits: { cpu: "500m" } })]);
    expect(containerLinuxResources(zero, zero.spec!.containers[0]!, 4 * GiB).cpuShares).toBe(512);
  });
});
