import type { IPod } from "kubernetes-models/v1";
import { describe, expect, it } from "vitest";
import { admitUnderPressure } from "./admission.js";
import { localStorageViolation } from "./local-storage.js";
import { binaryQuantity, evictionMessage, nodeConditionMessage } from "./messages.js";
import type { PodStats } from "./pod-stats.js";
import { parseThresholdConfig } from "./thresholds.js";

const MI = 1024 * 1024;
const none = { evictionSoft: {}, evictionSoftGracePeriod: {}, evictionMinimumReclaim: {} };

function twoContainers(): IPod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", namespace: "default", uid: "u" },
    spec: {
      containers: [
        { name: "hog", resources: { requests: { memory: "64Mi" } } },
        { name: "quiet", resources: { requests: { memory: "64Mi" } } },
      ],
    },
  };
}

const stats: PodStats = {
  containers: [
    { name: "hog", memoryWorkingSetBytes: 300 * MI, rootfsBytes: 0, logsBytes: 0 },
    { name: "quiet", memoryWorkingSetBytes: 10 * MI, rootfsBytes: 0, logsBytes: 0 },
  ],
  volumes: new Map(),
};

describe("evictionMessage", () => {
  it("names the resource, the threshold, what was available and the containers above their request", () => {
    const thresholds = parseThresholdConfig({ ...none, evictionHard: { "memory.available": "100Mi" } });
    const observations = new Map([
      ["memory.available" as const, { available: 99n * 1024n * 1024n + 512n * 1024n, capacity: 8n << 30n }],
    ]);
    expect(evictionMessage("memory", twoContainers(), stats, thresholds, observations)).toBe(
      "The node was low on resource: memory. Threshold quantity: 100Mi, available: 101888Ki. " +
        "Container hog was using 300Mi, request is 64Mi, has larger consumption of memory. ",
    );
  });

  it("prints a percentage threshold as the quantity it comes to, and request 0 when there is none", () => {
    const thresholds = parseThresholdConfig({ ...none, evictionHard: { "nodefs.available": "10%" } });
    const observations = new Map([
      ["nodefs.available" as const, { available: 5n * 1024n, capacity: 100n * 1024n }],
    ]);
    const pod: IPod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "p" },
      spec: { containers: [{ name: "writer" }] },
    };
    const disk: PodStats = {
      containers: [{ name: "writer", memoryWorkingSetBytes: 0, rootfsBytes: 3 * MI, logsBytes: MI }],
      volumes: new Map(),
    };
    expect(evictionMessage("ephemeral-storage", pod, disk, thresholds, observations)).toBe(
      "The node was low on resource: ephemeral-storage. Threshold quantity: 10Ki, available: 5Ki. " +
        "Container writer was using 4Mi, request is 0, has larger consumption of ephemeral-storage. ",
    );
  });

  it("formats quantities as BinarySI does", () => {
    expect(binaryQuantity(1536)).toBe("1536");
    expect(binaryQuantity(2048)).toBe("2Ki");
    expect(binaryQuantity(0)).toBe("0");
  });
});

describe("localStorageViolation", () => {
  const volumePod: IPod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p" },
    spec: {
      volumes: [
        { name: "scratch", emptyDir: { sizeLimit: "8Mi" } },
        { name: "free", emptyDir: {} },
      ],
      containers: [{ name: "app", resources: { limits: { "ephemeral-storage": "50Mi" } } }],
    },
  };
  const usage = (scratchMi: number, rootfsMi: number): PodStats => ({
    containers: [{ name: "app", memoryWorkingSetBytes: 0, rootfsBytes: rootfsMi * MI, logsBytes: 0 }],
    volumes: new Map([
      ["scratch", { bytes: scratchMi * MI, inodes: 1 }],
      ["free", { bytes: 100 * MI, inodes: 1 }],
    ]),
  });

  it("reports an emptyDir over its sizeLimit first", () => {
    expect(localStorageViolation(volumePod, usage(9, 60))).toBe(
      'Usage of EmptyDir volume "scratch" exceeds the limit "8Mi". ',
    );
  });

  it("reports the pod's total over the sum of its containers' limits", () => {
    expect(localStorageViolation(volumePod, usage(1, 0))).toBe(
      "Pod ephemeral local storage usage exceeds the total limit of containers 50Mi. ",
    );
  });

  it("reports a container over its own limit", () => {
    const pod: IPod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "p" },
      spec: {
        containers: [
          { name: "app", resources: { limits: { "ephemeral-storage": "10Mi" } } },
          { name: "other" },
        ],
      },
    };
    const s: PodStats = {
      containers: [{ name: "app", memoryWorkingSetBytes: 0, rootfsBytes: 8 * MI, logsBytes: 3 * MI }],
      volumes: new Map(),
    };
    expect(localStorageViolation(pod, s)).toBe(
      'Container app exceeded its local ephemeral storage limit "10Mi". ',
    );
    expect(localStorageViolation(pod, undefined)).toBeUndefined();
  });
});

describe("admitUnderPressure", () => {
  const bestEffort: IPod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "be" },
    spec: { containers: [{ name: "a" }] },
  };
  const burstable: IPod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "bu" },
    spec: { containers: [{ name: "a", resources: { requests: { memory: "1Mi" } } }] },
  };

  it("admits everything without pressure", () => {
    expect(admitUnderPressure(bestEffort, [])).toEqual({ admit: true });
  });

  it("refuses only BestEffort pods under memory pressure, unless they tolerate its taint", () => {
    expect(admitUnderPressure(burstable, ["MemoryPressure"])).toEqual({ admit: true });
    expect(admitUnderPressure(bestEffort, ["MemoryPressure"])).toEqual({
      admit: false,
      reason: "Evicted",
      message: "The node had condition: [MemoryPressure]. ",
    });
    const tolerating: IPod = {
      ...bestEffort,
      spec: {
        ...bestEffort.spec,
        containers: bestEffort.spec?.containers ?? [],
        tolerations: [
          { key: "node.kubernetes.io/memory-pressure", operator: "Exists", effect: "NoSchedule" },
        ],
      },
    };
    expect(admitUnderPressure(tolerating, ["MemoryPressure"])).toEqual({ admit: true });
  });

  it("refuses every pod under disk pressure but admits critical pods", () => {
    expect(admitUnderPressure(burstable, ["MemoryPressure", "DiskPressure"])).toMatchObject({
      admit: false,
      message: "The node had condition: [MemoryPressure DiskPressure]. ",
    });
    const critical: IPod = {
      ...burstable,
      spec: { ...burstable.spec, containers: [], priority: 2000000000 },
    };
    expect(admitUnderPressure(critical, ["DiskPressure"])).toEqual({ admit: true });
    expect(nodeConditionMessage(["PIDPressure"])).toBe("The node had condition: [PIDPressure]. ");
  });
});
