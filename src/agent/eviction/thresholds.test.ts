import { describe, expect, it } from "vitest";
import type { Observations } from "./observations.js";
import {
  byEvictionPriority,
  mergeThresholds,
  nodeConditions,
  nodeConditionsLastObservedAt,
  nodeConditionsObservedSince,
  parseThresholdConfig,
  thresholdsFirstObservedAt,
  thresholdsMet,
  thresholdsMetGracePeriod,
  type Threshold,
} from "./thresholds.js";

const MI = 1024n * 1024n;
const none = { evictionSoft: {}, evictionSoftGracePeriod: {}, evictionMinimumReclaim: {} };

function observed(signal: string, available: bigint, capacity: bigint): Observations {
  return new Map([[signal as "memory.available", { available, capacity }]]);
}

describe("parseThresholdConfig", () => {
  it("parses hard and soft thresholds with their grace periods and minimum reclaims", () => {
    const thresholds = parseThresholdConfig({
      evictionHard: { "memory.available": "100Mi", "nodefs.available": "10%" },
      evictionSoft: { "memory.available": "500Mi" },
      evictionSoftGracePeriod: { "memory.available": 90_000 },
      evictionMinimumReclaim: { "memory.available": "50Mi" },
    });
    expect(thresholds).toEqual([
      {
        signal: "memory.available",
        value: { kind: "quantity", value: 100n * MI },
        gracePeriodMs: 0,
        minReclaim: { kind: "quantity", value: 50n * MI },
      },
      { signal: "nodefs.available", value: { kind: "percentage", fraction: 0.1 }, gracePeriodMs: 0 },
      {
        signal: "memory.available",
        value: { kind: "quantity", value: 500n * MI },
        gracePeriodMs: 90_000,
        minReclaim: { kind: "quantity", value: 50n * MI },
      },
    ]);
  });

  it("refuses a soft threshold without a grace period, as the kubelet does", () => {
    expect(() =>
      parseThresholdConfig({ ...none, evictionHard: {}, evictionSoft: { "nodefs.available": "20%" } }),
    ).toThrow("grace period must be specified for the soft eviction threshold nodefs.available");
  });
});

describe("thresholdsMet", () => {
  const [hard] = parseThresholdConfig({
    ...none,
    evictionHard: { "memory.available": "100Mi" },
    evictionMinimumReclaim: { "memory.available": "50Mi" },
  }) as [Threshold];

  it("is met when less than the threshold is available", () => {
    expect(thresholdsMet([hard], observed("memory.available", 99n * MI, 1000n * MI), false)).toEqual([hard]);
    expect(thresholdsMet([hard], observed("memory.available", 100n * MI, 1000n * MI), false)).toEqual([]);
  });

  it("with the minimum reclaim enforced, stays met until threshold plus reclaim is available", () => {
    const at = (mi: bigint) => thresholdsMet([hard], observed("memory.available", mi * MI, 1000n * MI), true);
    expect(at(120n)).toEqual([hard]);
    expect(at(150n)).toEqual([]);
  });

  it("resolves a percentage against the signal's capacity and ignores unobserved signals", () => {
    const [pct] = parseThresholdConfig({ ...none, evictionHard: { "nodefs.available": "10%" } }) as [
      Threshold,
    ];
    expect(thresholdsMet([pct], observed("nodefs.available", 99n, 1000n), false)).toEqual([pct]);
    expect(thresholdsMet([pct], observed("nodefs.available", 100n, 1000n), false)).toEqual([]);
    expect(thresholdsMet([pct], new Map(), false)).toEqual([]);
  });
});

describe("grace periods and the transition period", () => {
  const [hard, soft] = parseThresholdConfig({
    ...none,
    evictionHard: { "memory.available": "100Mi" },
    evictionSoft: { "memory.available": "1Gi" },
    evictionSoftGracePeriod: { "memory.available": 30_000 },
  }) as [Threshold, Threshold];

  it("acts on a soft threshold only once it has been met for its grace period", () => {
    const first = thresholdsFirstObservedAt([hard, soft], new Map(), 1_000);
    expect(thresholdsMetGracePeriod([hard, soft], first, 1_000)).toEqual([hard]);
    const later = thresholdsFirstObservedAt([hard, soft], first, 20_000);
    expect(thresholdsMetGracePeriod([hard, soft], later, 20_000)).toEqual([hard]);
    expect(thresholdsMetGracePeriod([hard, soft], later, 31_000)).toEqual([hard, soft]);
    // no longer met: the first observation is forgotten
    expect(thresholdsFirstObservedAt([hard], later, 40_000).size).toBe(1);
  });

  it("keeps a node condition for the transition period after its last observation", () => {
    let seen = nodeConditionsLastObservedAt(nodeConditions([hard, soft]), new Map(), 0);
    expect(nodeConditions([hard, soft])).toEqual(["MemoryPressure"]);
    expect(nodeConditionsObservedSince(seen, 300_000, 0)).toEqual(["MemoryPressure"]);
    seen = nodeConditionsLastObservedAt([], seen, 10_000);
    expect(nodeConditionsObservedSince(seen, 300_000, 299_999)).toEqual(["MemoryPressure"]);
    expect(nodeConditionsObservedSince(seen, 300_000, 300_000)).toEqual([]);
  });

  it("merges thresholds once each and sorts memory first", () => {
    const [disk] = parseThresholdConfig({ ...none, evictionHard: { "nodefs.available": "10%" } }) as [
      Threshold,
    ];
    expect(mergeThresholds([hard], [hard, soft])).toEqual([hard, soft]);
    expect(byEvictionPriority([disk, hard]).map((t) => t.signal)).toEqual([
      "memory.available",
      "nodefs.available",
    ]);
    expect(nodeConditions([disk, hard])).toEqual(["DiskPressure", "MemoryPressure"]);
  });
});
