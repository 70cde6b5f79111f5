import type { IPod } from "kubernetes-models/v1";
import { describe, expect, it } from "vitest";
import type { PodStats } from "./pod-stats.js";
import { rankForEviction } from "./ranking.js";

const MI = 1024 * 1024;

function pod(name: string, options: { memoryRequest?: string; priority?: number } = {}): IPod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", uid: name },
    spec: {
      ...(options.priority === undefined ? {} : { priority: options.priority }),
      containers: [
        {
          name: "app",
          ...(options.memoryRequest === undefined
            ? {}
            : { resources: { requests: { memory: options.memoryRequest } } }),
        },
      ],
    },
  };
}

function using(memoryMi: number, diskMi = 0): PodStats {
  return {
    containers: [
      { name: "app", memoryWorkingSetBytes: memoryMi * MI, rootfsBytes: diskMi * MI, logsBytes: 0 },
    ],
    volumes: new Map(),
  };
}

const names = (pods: IPod[]) => pods.map((p) => p.metadata?.name);

describe("rankForEviction for memory", () => {
  it("puts pods above their request first, then lower priority, then larger usage above request", () => {
    const pods = [
      pod("under-request", { memoryRequest: "500Mi" }),
      pod("above-high-priority", { memoryRequest: "10Mi", priority: 1000 }),
      pod("above-small", { memoryRequest: "10Mi" }),
      pod("above-large", { memoryRequest: "10Mi" }),
    ];
    const stats = new Map([
      ["under-request", using(400)],
      ["above-high-priority", using(900)],
      ["above-small", using(50)],
      ["above-large", using(300)],
    ]);
    expect(names(rankForEviction(pods, stats, "memory"))).toEqual([
      "above-large",
      "above-small",
      "above-high-priority",
      "under-request",
    ]);
  });

  it("ranks a BestEffort hog before a Guaranteed pod under its request, whatever their sizes", () => {
    const pods = [pod("guaranteed", { memoryRequest: "1Gi" }), pod("hog")];
    const stats = new Map([
      ["guaranteed", using(900)],
      ["hog", using(100)],
    ]);
    expect(names(rankForEviction(pods, stats, "memory"))).toEqual(["hog", "guaranteed"]);
  });

  it("puts pods without stats last", () => {
    const pods = [pod("unknown"), pod("known")];
    expect(names(rankForEviction(pods, new Map([["known", using(1)]]), "memory"))).toEqual([
      "known",
      "unknown",
    ]);
  });
});

describe("rankForEviction for disk and pids", () => {
  it("ranks by ephemeral storage usage above request", () => {
    const pods = [pod("small"), pod("big")];
    const stats = new Map([
      ["small", using(0, 10)],
      ["big", using(0, 100)],
    ]);
    expect(names(rankForEviction(pods, stats, "ephemeral-storage"))).toEqual(["big", "small"]);
  });

  it("ranks by priority alone for pids", () => {
    const pods = [pod("high", { priority: 10 }), pod("low", { priority: -5 })];
    expect(names(rankForEviction(pods, new Map(), "pids"))).toEqual(["low", "high"]);
  });
});
