import type { IPod } from "kubernetes-models/v1";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../common/clock.js";
import { silentLogger } from "../../common/log.js";
import { MemoryEventRecorder } from "../events/index.js";
import { EvictionManager, type PodEviction } from "./manager.js";
import type { NodeSummary } from "./observations.js";
import type { PodStats } from "./pod-stats.js";
import { parseThresholdConfig, type ThresholdConfig } from "./thresholds.js";

const MI = 1024 * 1024;
const GI = 1024 * MI;

function pod(
  name: string,
  extra: Partial<NonNullable<IPod["spec"]>> = {},
  annotations?: Record<string, string>,
): IPod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", uid: name, ...(annotations ? { annotations } : {}) },
    spec: { containers: [{ name: "app" }], ...extra },
  };
}

function usage(memoryMi: number): PodStats {
  return {
    containers: [{ name: "app", memoryWorkingSetBytes: memoryMi * MI, rootfsBytes: 0, logsBytes: 0 }],
    volumes: new Map(),
  };
}

interface Harness {
  readonly manager: EvictionManager;
  readonly clock: ManualClock;
  readonly recorder: MemoryEventRecorder;
  readonly kills: { pod: string; eviction: PodEviction }[];
  readonly reclaims: string[];
  summary: NodeSummary;
  pods: IPod[];
  stats: Map<string, PodStats>;
  freedByReclaim: number;
}

function harness(
  thresholds: Partial<ThresholdConfig>,
  options: { transitionMs?: number; maxGrace?: number; reclaim?: boolean } = {},
): Harness {
  const clock = new ManualClock();
  const recorder = new MemoryEventRecorder();
  const h = {
    clock,
    recorder,
    kills: [],
    reclaims: [],
    summary: {},
    pods: [],
    stats: new Map(),
    freedByReclaim: 0,
  } as unknown as Harness & { manager: EvictionManager };
  const config = {
    evictionHard: {},
    evictionSoft: {},
    evictionSoftGracePeriod: {},
    evictionMinimumReclaim: {},
    ...thresholds,
  };
  (h as { manager: EvictionManager }).manager = new EvictionManager({
    config: {
      thresholds: parseThresholdConfig(config),
      monitoringPeriodMs: 10_000,
      pressureTransitionPeriodMs: options.transitionMs ?? 300_000,
      maxPodGracePeriodSeconds: options.maxGrace ?? 0,
      localStorageCapacityIsolation: true,
    },
    node: { summary: async () => h.summary },
    podStats: { podStats: async () => h.stats },
    activePods: () => h.pods,
    killPod: async (p, eviction) => {
      h.kills.push({ pod: p.metadata?.name ?? "", eviction });
      h.pods = h.pods.filter((x) => x !== p);
    },
    ...(options.reclaim === false
      ? {}
      : {
          reclaimer: {
            deleteAllUnusedContainers: async () => {
              h.reclaims.push("containers");
            },
            deleteUnusedImages: async () => {
              h.reclaims.push("images");
              const fs = h.summary.nodefs;
              if (fs !== undefined) {
                h.summary = {
                  ...h.summary,
                  nodefs: { ...fs, availableBytes: fs.availableBytes + h.freedByReclaim },
                };
              }
              return h.freedByReclaim;
            },
          },
        }),
    recorder,
    clock,
    logger: silentLogger(),
  });
  return h;
}

const memory = (availableMi: number): NodeSummary => ({
  memory: { capacityBytes: 8 * GI, workingSetBytes: 8 * GI - availableMi * MI },
});

describe("EvictionManager", () => {
  it("evicts the top-ranked pod once a hard threshold is met, with the kubelet's status and event", async () => {
    const h = harness({ evictionHard: { "memory.available": "100Mi" } });
    const guaranteed = pod("guaranteed", {
      containers: [
        {
          name: "app",
          resources: { requests: { memory: "1Gi", cpu: "1" }, limits: { memory: "1Gi", cpu: "1" } },
        },
      ],
    });
    h.pods = [guaranteed, pod("hog")];
    h.stats = new Map([
      ["guaranteed", usage(500)],
      ["hog", usage(300)],
    ]);
    h.summary = memory(200);
    expect(await h.manager.synchronize()).toEqual([]);
    expect(h.manager.conditions()).toEqual([]);

    h.summary = memory(50);
    const evicted = await h.manager.synchronize();
    expect(evicted.map((p) => p.metadata?.name)).toEqual(["hog"]);
    const message =
      "The node was low on resource: memory. Threshold quantity: 100Mi, available: 50Mi. " +
      "Container app was using 300Mi, request is 0, has larger consumption of memory. ";
    expect(h.kills).toEqual([
      {
        pod: "hog",
        eviction: {
          gracePeriodSeconds: 1,
          reason: "Evicted",
          message,
          condition: {
            type: "DisruptionTarget",
            status: "True",
            reason: "TerminationByKubelet",
            message,
            lastTransitionTime: "2026-01-01T00:00:00Z",
          },
        },
      },
    ]);
    expect(h.recorder.events).toEqual([
      expect.objectContaining({
        type: "Warning",
        reason: "Evicted",
        message,
        object: expect.objectContaining({ name: "hog" }),
      }),
    ]);
    expect(h.manager.pressure()).toEqual({ MemoryPressure: true, DiskPressure: false, PIDPressure: false });
    expect(h.manager.admit(pod("new"))).toMatchObject({ admit: false, reason: "Evicted" });
  });

  it("holds the condition for the transition period after the threshold is no longer met", async () => {
    const h = harness({ evictionHard: { "memory.available": "100Mi" } }, { transitionMs: 60_000 });
    h.summary = memory(50);
    await h.manager.synchronize();
    expect(h.manager.conditions()).toEqual(["MemoryPressure"]);
    h.summary = memory(500);
    await h.clock.advance(59_000);
    await h.manager.synchronize();
    expect(h.manager.conditions()).toEqual(["MemoryPressure"]);
    await h.clock.advance(1_000);
    await h.manager.synchronize();
    expect(h.manager.conditions()).toEqual([]);
  });

  it("keeps a met threshold until its minimum reclaim is available", async () => {
    const h = harness(
      {
        evictionHard: { "memory.available": "100Mi" },
        evictionMinimumReclaim: { "memory.available": "200Mi" },
      },
      { transitionMs: 1 },
    );
    h.summary = memory(50);
    await h.manager.synchronize();
    h.summary = memory(250);
    await h.manager.synchronize();
    expect(h.manager.conditions()).toEqual(["MemoryPressure"]);
    h.summary = memory(300);
    await h.clock.advance(1);
    await h.manager.synchronize();
    expect(h.manager.conditions()).toEqual([]);
  });

  it("acts on a soft threshold after its grace period, with evictionMaxPodGracePeriod capped by the pod's", async () => {
    const h = harness(
      {
        evictionSoft: { "memory.available": "1Gi" },
        evictionSoftGracePeriod: { "memory.available": 30_000 },
      },
      { maxGrace: 20 },
    );
    h.pods = [pod("a", { terminationGracePeriodSeconds: 5 })];
    h.stats = new Map([["a", usage(10)]]);
    h.summary = memory(500);
    expect(await h.manager.synchronize()).toEqual([]);
    expect(h.manager.conditions()).toEqual(["MemoryPressure"]);
    await h.clock.advance(30_000);
    expect((await h.manager.synchronize()).length).toBe(1);
    expect(h.kills[0]?.eviction.gracePeriodSeconds).toBe(5);
  });

  it("reclaims dead containers then unused images before evicting for disk, and stops there if that is enough", async () => {
    const h = harness({ evictionHard: { "nodefs.available": "10%" } });
    h.pods = [pod("writer")];
    h.stats = new Map([["writer", usage(1)]]);
    h.summary = {
      nodefs: { capacityBytes: 1000 * MI, availableBytes: 50 * MI, inodes: 100, inodesFree: 50 },
    };
    h.freedByReclaim = 100 * MI;
    expect(await h.manager.synchronize()).toEqual([]);
    expect(h.reclaims).toEqual(["containers", "images"]);
    expect(h.manager.conditions()).toEqual(["DiskPressure"]);

    h.summary = {
      nodefs: { capacityBytes: 1000 * MI, availableBytes: 50 * MI, inodes: 100, inodesFree: 50 },
    };
    h.freedByReclaim = 0;
    const evicted = await h.manager.synchronize();
    expect(evicted.map((p) => p.metadata?.name)).toEqual(["writer"]);
    expect(h.kills[0]?.eviction.message).toMatch(
      /^The node was low on resource: ephemeral-storage\. Threshold quantity: 100Mi, available: 50Mi\. /,
    );
  });

  it("never evicts a critical pod and evicts the next one instead", async () => {
    const h = harness({ evictionHard: { "memory.available": "100Mi" } });
    h.pods = [pod("static", {}, { "kubernetes.io/config.source": "file" }), pod("other")];
    h.stats = new Map([
      ["static", usage(900)],
      ["other", usage(10)],
    ]);
    h.summary = memory(10);
    const evicted = await h.manager.synchronize();
    expect(evicted.map((p) => p.metadata?.name)).toEqual(["other"]);
  });

  it("evicts pods over their emptyDir sizeLimit before looking at thresholds", async () => {
    const h = harness({ evictionHard: { "memory.available": "100Mi" } });
    h.pods = [pod("filler", { volumes: [{ name: "scratch", emptyDir: { sizeLimit: "1Mi" } }] })];
    h.stats = new Map([
      ["filler", { containers: [], volumes: new Map([["scratch", { bytes: 2 * MI, inodes: 2 }]]) }],
    ]);
    h.summary = memory(10);
    const evicted = await h.manager.synchronize();
    expect(evicted.map((p) => p.metadata?.name)).toEqual(["filler"]);
    expect(h.kills[0]?.eviction).toMatchObject({
      gracePeriodSeconds: 1,
      message: 'Usage of EmptyDir volume "scratch" exceeds the limit "1Mi". ',
    });
    // thresholds were not evaluated in that pass
    expect(h.manager.conditions()).toEqual([]);
  });

  it("checks its configuration", () => {
    expect(
      () =>
        new EvictionManager({
          config: {
            thresholds: [],
            monitoringPeriodMs: 0,
            pressureTransitionPeriodMs: 0,
            maxPodGracePeriodSeconds: 0,
            localStorageCapacityIsolation: true,
          },
          node: { summary: async () => ({}) },
          podStats: { podStats: async () => new Map() },
          activePods: () => [],
          killPod: async () => undefined,
          recorder: new MemoryEventRecorder(),
          clock: new ManualClock(),
          logger: silentLogger(),
        }),
    ).toThrow("eviction: monitoring period must be positive, not 0");
  });
});
