import { describe, expect, it } from "vitest";
import type { Pod } from "./objects.js";
import { rankForDeletion } from "./pod-ranking.js";

function pod(
  name: string,
  opts: { node?: string; phase?: string; ready?: string; created?: string; restarts?: number },
): Pod {
  return {
    metadata: { name, creationTimestamp: opts.created ?? "2026-01-01T00:00:00Z" },
    spec: { containers: [], ...(opts.node ? { nodeName: opts.node } : {}) },
    status: {
      phase: opts.phase ?? "Running",
      conditions: opts.ready ? [{ type: "Ready", status: "True", lastTransitionTime: opts.ready }] : [],
      containerStatuses: [
        { name: "c", image: "", imageID: "", ready: true, restartCount: opts.restarts ?? 0 },
      ],
    },
  } as unknown as Pod;
}

describe("rankForDeletion", () => {
  it("deletes unscheduled, then pending, then not ready, then crowded nodes, then restarted, recently ready pods first", () => {
    const pods = [
      pod("ready-old", { node: "n1", ready: "2026-01-01T00:00:00Z" }),
      pod("ready-new", { node: "n2", ready: "2026-01-01T01:00:00Z" }),
      pod("unscheduled", { phase: "Pending" }),
      pod("pending", { node: "n1", phase: "Pending" }),
      pod("not-ready", { node: "n1" }),
      pod("crowded", { node: "n3", ready: "2026-01-01T00:00:00Z" }),
      pod("crowded-2", { node: "n3", ready: "2026-01-01T00:00:00Z", restarts: 3 }),
    ];
    expect(rankForDeletion(pods, pods).map((p) => p.metadata.name)).toEqual([
      "unscheduled",
      "pending",
      "not-ready",
      "ready-old", // n1 holds three of the pods
      "crowded-2", // n3 holds two; more restarts first
      "crowded",
      "ready-new",
    ]);
  });
});
