/**
 * Admission on the node: a pod asking for more cpu than the node has is rejected before anything
 * runs: phase Failed, reason OutOfcpu, no sandbox, and a pod that fits next to it runs.
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
    expect(p.status?.message).toMatch(/cpu/);
    const row = await kubectlPodRow((...a) => cluster().kubectl(...a), "too-big");
    expect(row).toMatchObject({ READY: "0/1", STATUS: "OutOfcpu", RESTARTS: "0" });
    expect(await cluster().leftoversOf([uidOf(created)])).toEqual({ sandboxes: [], containers: [] });

    await cluster().createPod(
      pod("fits", { containers: [shell("app", FOREVER, { resources: { requests: { cpu: "10m" } } })] }),
    );
    await cluster().waitForPod("fits", runningAndReady, "Running", 45_000);
  });
});
