/**
 * Admission on the node: a pod asking for more cpu (or ephemeral storage) than the node has is
 * rejected before anything runs: phase Failed, reason OutOfcpu, the kubelet's "Pod was rejected: "
 * message, start time and QoS class, no sandbox, a status that stays as written; and a pod that
 * fits next to it runs.
 */
import { describe, it } from "vitest";
import { RUNTIMES } from "../support/cluster.js";
import { useCluster } from "../support/cluster-vitest.js";
import { FOREVER, kubectlPodRow, phaseIs, pod, runningAndReady, shell, uidOf } from "./pods.js";

describe.each(RUNTIMES)("admission on %s", (runtime) => {
  const cluster = useCluster(runtime);

  it("a pod requesting more cpu than allocatable fails with OutOfcpu and never reaches the runtime", async ({
    expect,
  }) => {
    const created = await cluster().createPod(
      pod("too-big", {
        containers: [shell("app", FOREVER, { resources: { requests: { cpu: "1000" } } })],
      }),
    );
    const p = await cluster().waitForPod("too-big", phaseIs("Failed"), "Failed", 30_000);
    expect(p.status?.reason).toBe("OutOfcpu");
    expect(p.status?.message).toMatch(
      /^Pod was rejected: Node didn't have enough resource: cpu, requested: 1000000, /,
    );
    expect(p.status?.qosClass).toBe("Burstable");
    expect(p.status?.startTime).toBeDefined();
    const row = await kubectlPodRow((...a) => cluster().kubectl(...a), "too-big");
    expect(row).toMatchObject({ READY: "0/1", STATUS: "OutOfcpu", RESTARTS: "0" });
    expect(await cluster().leftoversOf([uidOf(created)])).toEqual({ sandboxes: [], containers: [] });

    await cluster().createPod(
      pod("fits", { containers: [shell("app", FOREVER, { resources: { requests: { cpu: "10m" } } })] }),
    );
    await cluster().waitForPod("fits", runningAndReady, "Running", 45_000);
    // the rejection stands: nothing was added to the Failed status meanwhile
    const later = await cluster().getPod("too-big");
    expect(later.status?.containerStatuses).toBeUndefined();
    expect(later.status?.phase).toBe("Failed");
  });

  it("a pod requesting more ephemeral storage than allocatable fails with OutOfephemeral-storage", async ({
    expect,
  }) => {
    await cluster().createPod(
      pod("too-much-disk", {
        containers: [shell("app", FOREVER, { resources: { requests: { "ephemeral-storage": "100Ti" } } })],
      }),
    );
    const p = await cluster().waitForPod("too-much-disk", phaseIs("Failed"), "Failed", 30_000);
    expect(p.status?.reason).toBe("OutOfephemeral-storage");
    expect(p.status?.message).toMatch(
      /^Pod was rejected: Node didn't have enough resource: ephemeral-storage, /,
    );
    expect(p.status?.qosClass).toBe("BestEffort");
  });
});
