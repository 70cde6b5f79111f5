import { describe, expect, it } from "vitest";
import type { Deployment, ReplicaSet } from "../util/index.js";
import { maxSurge, maxUnavailable, newRSNewReplicas, resolveFenceposts } from "./replicas.js";

function d(replicas: number, surge: number | string, unavailable: number | string): Deployment {
  return {
    metadata: {},
    spec: {
      replicas,
      selector: {},
      template: {},
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: surge, maxUnavailable: unavailable } },
    },
  } as unknown as Deployment;
}

const rs = (replicas: number) =>
  ({ metadata: {}, spec: { replicas, selector: {} } }) as unknown as ReplicaSet;

describe("rollout arithmetic", () => {
  it("rounds surge up and unavailability down, and never lets both be 0", () => {
    expect(resolveFenceposts("25%", "25%", 10)).toEqual({ surge: 3, unavailable: 2 });
    expect(resolveFenceposts("25%", "25%", 1)).toEqual({ surge: 1, unavailable: 0 });
    expect(resolveFenceposts(0, "10%", 5)).toEqual({ surge: 0, unavailable: 1 });
    expect(maxUnavailable(d(3, 0, 5))).toBe(3);
    expect(maxSurge(d(4, 1, 1))).toBe(1);
  });

  it("grows the new ReplicaSet only within desired + maxSurge", () => {
    expect(newRSNewReplicas(d(4, 1, 1), [rs(4)], undefined)).toBe(1);
    expect(newRSNewReplicas(d(4, 1, 1), [rs(3), rs(2)], rs(2))).toBe(2);
    expect(newRSNewReplicas(d(4, 1, 1), [rs(0), rs(3)], rs(3))).toBe(4);
    const recreate = {
      ...d(4, 1, 1),
      spec: { ...d(4, 1, 1).spec, strategy: { type: "Recreate" } },
    } as unknown as Deployment;
    expect(newRSNewReplicas(recreate, [rs(4)], undefined)).toBe(4);
  });
});
