import { describe, expect, it } from "vitest";
import { hasCode, ErrorCode } from "../../common/errors.js";
import { nodeResources, parseReservation } from "./allocatable.js";
import { DEFAULT_EVICTION_HARD } from "../../config/index.js";
import { parseEvictionThresholds, thresholdAmount } from "./eviction-thresholds.js";

const GI = 1024 ** 3;
const machine = { cpuCores: 2, memoryBytes: 8 * GI, ephemeralStorageBytes: 100 * GI };

describe("capacity and allocatable", () => {
  it("subtracts the default hard eviction thresholds only", () => {
    const r = nodeResources(machine, 110, [], parseEvictionThresholds(DEFAULT_EVICTION_HARD));
    expect(r.capacity).toEqual({ cpu: "2", memory: "8Gi", "ephemeral-storage": "100Gi", pods: "110" });
    // 8Gi - 100Mi = 8092Mi; 100Gi - 10% = 90Gi.
    expect(r.allocatable).toEqual({ cpu: "2", memory: "8092Mi", "ephemeral-storage": "90Gi", pods: "110" });
  });

  it("subtracts system and kube reservations as well", () => {
    const r = nodeResources(
      machine,
      50,
      [
        parseReservation({ cpu: "250m", memory: "1Gi" }, "systemReserved"),
        parseReservation({ cpu: "0.5", "ephemeral-storage": "10Gi" }, "kubeReserved"),
      ],
      parseEvictionThresholds({ "memory.available": "1Gi" }),
    );
    expect(r.allocatable).toEqual({ cpu: "1250m", memory: "6Gi", "ephemeral-storage": "90Gi", pods: "50" });
  });

  it("never goes below zero", () => {
    const r = nodeResources(
      machine,
      1,
      [parseReservation({ cpu: "4", memory: "9Gi" }, "systemReserved")],
      new Map(),
    );
    expect(r.allocatable.cpu).toBe("0");
    expect(r.allocatable.memory).toBe("0");
  });

  it("keeps bytes exact when memory is not a round number", () => {
    const r = nodeResources({ ...machine, memoryBytes: 25_276_063_744 }, 110, [], new Map());
    expect(r.capacity.memory).toBe("24683656Ki");
  });
});

describe("configuration errors", () => {
  it("refuses an unknown reserved resource or a bad quantity", () => {
    expect(() => parseReservation({ gpu: "1" }, "kubeReserved")).toThrow(
      /kubeReserved: unknown resource "gpu"/,
    );
    const err = (() => {
      try {
        parseReservation({ memory: "lots" }, "systemReserved");
      } catch (e) {
        return e;
      }
    })();
    expect(hasCode(err, ErrorCode.Config)).toBe(true);
    expect(() => parseReservation({ cpu: "-1" }, "systemReserved")).toThrow(/must not be negative/);
  });

  it("refuses unknown eviction signals and malformed values", () => {
    expect(() => parseEvictionThresholds({ "memory.free": "1Gi" })).toThrow(/unknown signal "memory.free"/);
    expect(() => parseEvictionThresholds({ "nodefs.available": "150%" })).toThrow(/within 0% to 100%/);
    expect(() => parseEvictionThresholds({ "nodefs.available": "ten" })).toThrow(
      /neither a quantity nor a percentage/,
    );
  });

  it("turns percentages into amounts of the capacity", () => {
    const t = parseEvictionThresholds({ "nodefs.available": "10%", "memory.available": "100Mi" });
    expect(thresholdAmount(t.get("nodefs.available"), 1000n)).toBe(100n);
    expect(thresholdAmount(t.get("memory.available"), 1n)).toBe(100n * 1024n * 1024n);
    expect(thresholdAmount(undefined, 1000n)).toBe(0n);
  });
});
