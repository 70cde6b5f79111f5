import { describe, expect, it } from "vitest";
import { pressureOf, updateConditions } from "./conditions.js";
import { DEFAULT_EVICTION_HARD } from "../../config/index.js";
import { parseEvictionThresholds } from "./eviction-thresholds.js";
import type { NodeMeasurements } from "./machine.js";
import { pressureTaints } from "./node-controller.js";
import { runtimeErrorsOf, RUNTIME_DOWN_MESSAGE, aggregateMessage } from "./runtime-health.js";

const MI = 1024 ** 2;
const calm: NodeMeasurements = {
  memoryAvailableBytes: 4000 * MI,
  fsCapacityBytes: 1000 * MI,
  fsAvailableBytes: 500 * MI,
  fsInodes: 1000,
  fsInodesFree: 900,
  pidsInUse: 100,
  pidMax: 32768,
};
const thresholds = parseEvictionThresholds({ ...DEFAULT_EVICTION_HARD, "pid.available": "10%" });
const none = { MemoryPressure: false, DiskPressure: false, PIDPressure: false };

describe("pressure", () => {
  it("is off with room to spare", () => {
    expect(pressureOf(calm, 8000 * MI, thresholds)).toEqual(none);
  });

  it("follows each hard threshold", () => {
    expect(pressureOf({ ...calm, memoryAvailableBytes: 99 * MI }, 8000 * MI, thresholds).MemoryPressure).toBe(
      true,
    );
    // imagefs.available 15% applies to the same filesystem: 140 of 1000 is below it.
    expect(pressureOf({ ...calm, fsAvailableBytes: 140 * MI }, 8000 * MI, thresholds).DiskPressure).toBe(
      true,
    );
    expect(pressureOf({ ...calm, fsInodesFree: 40 }, 8000 * MI, thresholds).DiskPressure).toBe(true);
    expect(pressureOf({ ...calm, pidsInUse: 30000 }, 8000 * MI, thresholds).PIDPressure).toBe(true);
    expect(pressureOf({ ...calm, pidsInUse: 30000 }, 8000 * MI, new Map()).PIDPressure).toBe(false);
  });
});

describe("conditions", () => {
  const t0 = "2026-01-01T00:00:00Z";
  const t1 = "2026-01-01T00:00:10Z";

  it("creates the four conditions in kubelet order with Ready last, and the first pressure events", () => {
    const u = updateConditions(undefined, none, [], t0);
    expect(u.conditions.map((c) => [c.type, c.status, c.reason])).toEqual([
      ["MemoryPressure", "False", "KubeletHasSufficientMemory"],
      ["DiskPressure", "False", "KubeletHasNoDiskPressure"],
      ["PIDPressure", "False", "KubeletHasSufficientPID"],
      ["Ready", "True", "KubeletReady"],
    ]);
    expect(u.conditions[3]?.message).toBe("kubelet is posting ready status");
    expect(u.events.map((e) => e.reason)).toEqual([
      "NodeHasSufficientMemory",
      "NodeHasNoDiskPressure",
      "NodeHasSufficientPID",
    ]);
  });

  it("moves heartbeat every time and transition only on a flip, with NodeNotReady/NodeReady events", () => {
    const first = updateConditions(undefined, none, [], t0).conditions;
    const same = updateConditions(first, none, [], t1);
    expect(same.events).toEqual([]);
    expect(same.conditions.every((c) => c.lastHeartbeatTime === t1 && c.lastTransitionTime === t0)).toBe(
      true,
    );

    const down = updateConditions(same.conditions, none, [RUNTIME_DOWN_MESSAGE], t1);
    const ready = down.conditions.find((c) => c.type === "Ready");
    expect(ready).toMatchObject({
      status: "False",
      reason: "KubeletNotReady",
      message: "container runtime is down",
      lastTransitionTime: t1,
    });
    expect(down.events).toEqual([{ type: "Normal", reason: "NodeNotReady" }]);
    const back = updateConditions(down.conditions, { ...none, MemoryPressure: true }, [], t1);
    expect(back.events.map((e) => e.reason)).toEqual(["NodeHasInsufficientMemory", "NodeReady"]);
  });

  it("keeps conditions the agent does not own", () => {
    const foreign = { type: "NetworkUnavailable", status: "False", reason: "RouteCreated" };
    const u = updateConditions([foreign], none, [], t0);
    expect(u.conditions[0]).toEqual(foreign);
    expect(u.conditions.at(-1)?.type).toBe("Ready");
  });
});

describe("runtime health", () => {
  it("words runtime and network failures as the kubelet does", () => {
    const errors = runtimeErrorsOf([
      { type: "RuntimeReady", status: true, reason: "", message: "" },
      {
        type: "NetworkReady",
        status: false,
        reason: "NetworkPluginNotReady",
        message: "cni plugin not initialized",
      },
    ]);
    expect(errors).toEqual([
      "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:cni plugin not initialized",
    ]);
    expect(runtimeErrorsOf([])).toHaveLength(2);
    expect(aggregateMessage(["a", "b"])).toBe("[a, b]");
  });
});

describe("pressure taints", () => {
  const calm = { MemoryPressure: false, DiskPressure: false, PIDPressure: false };
  const other = { key: "dedicated", value: "db", effect: "NoSchedule" } as const;

  it("adds the NoSchedule taint of each condition under pressure and keeps other taints", () => {
    expect(pressureTaints([other], { ...calm, MemoryPressure: true, PIDPressure: true })).toEqual([
      other,
      { key: "node.kubernetes.io/memory-pressure", effect: "NoSchedule" },
      { key: "node.kubernetes.io/pid-pressure", effect: "NoSchedule" },
    ]);
  });

  it("removes them when the pressure is gone, and changes nothing when they are as they should be", () => {
    const disk = { key: "node.kubernetes.io/disk-pressure", effect: "NoSchedule" } as const;
    expect(pressureTaints([disk, other], calm)).toEqual([other]);
    expect(pressureTaints([other, disk], { ...calm, DiskPressure: true })).toBeUndefined();
    expect(pressureTaints([], calm)).toBeUndefined();
  });
});
