/**
 * Syncs that a newer update cuts short (kubelet: UpdatePod cancels the sync in progress): a pod
 * deleted while its image is still being pulled goes at once, and a second delete with a shorter
 * grace period ends a termination that was waiting out a long one. Times are measured from the
 * server's view of the DELETE that should take effect: at most from just before kubectl sends it,
 * at least from kubectl's return (the server has set the deletion by then). The two timed cases run
 * one after the other, so that neither's timing carries the other's load.
 */
import { afterAll, beforeAll, describe, it } from "vitest";
import { RUNTIMES } from "../support/cluster.js";
import { useCluster } from "../support/cluster-vitest.js";
import { HeldRegistry } from "../support/held-registry.js";
import { FOREVER, pod, runningAndReady, shell, uidOf, waitingReason } from "./pods.js";

/** A shell as PID 1 with no handler: SIGTERM does nothing, only the grace period's end kills it. */
const IGNORES_TERM = "while :; do sleep 1; done";

describe.each(RUNTIMES)("interrupted syncs on %s", (runtime) => {
  const cluster = useCluster(runtime);
  let registry: HeldRegistry;
  beforeAll(async () => {
    registry = await HeldRegistry.start();
  });
  afterAll(async () => {
    await registry?.close();
  });

  it("a pod deleted during its image pull is gone without waiting for the pull", async ({ expect }) => {
    const created = await cluster().createPod(
      pod("deleted-while-pulling", {
        containers: [shell("app", FOREVER, { image: registry.testImage(), imagePullPolicy: "Always" })],
      }),
    );
    await cluster().waitForPod(
      "deleted-while-pulling",
      (p) => waitingReason(p, "app") === "ContainerCreating",
      "ContainerCreating",
      30_000,
    );
    for (let i = 0; i < 100 && registry.manifestRequests === 0; i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(registry.manifestRequests).toBeGreaterThan(0);
    const gone = cluster().waitForPodGone("deleted-while-pulling", 30_000);
    const start = performance.now();
    await cluster().kubectl("delete", "pod", "deleted-while-pulling", "--wait=false");
    await gone;
    // the pull is still held: nothing but the interruption could have ended the sync
    expect(performance.now() - start).toBeLessThan(10_000);
    expect(await cluster().leftoversOf([uidOf(created)])).toEqual({ sandboxes: [], containers: [] });
  });

  it("a second delete with --grace-period=5 ends a 120 s termination in about 5 s", async ({ expect }) => {
    const created = await cluster().createPod(
      pod("shortened-grace", {
        terminationGracePeriodSeconds: 120,
        containers: [shell("app", IGNORES_TERM)],
      }),
    );
    await cluster().waitForPod("shortened-grace", runningAndReady, "Running", 45_000);
    await cluster().kubectl("delete", "pod", "shortened-grace", "--wait=false");
    await cluster().waitForPod(
      "shortened-grace",
      (p) => p.metadata?.deletionGracePeriodSeconds === 120,
      "terminating with 120 s",
      10_000,
    );
    // the agent is now waiting out the 120 s
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const gone = cluster().waitForPodGone("shortened-grace", 60_000);
    const start = performance.now();
    await cluster().kubectl("delete", "pod", "shortened-grace", "--grace-period=5", "--wait=false");
    const answered = performance.now();
    await gone;
    const goneAt = performance.now();
    // 5 s from the server's deletion, less the moment kubectl took to exit after its answer.
    expect(goneAt - answered).toBeGreaterThanOrEqual(4_000);
    expect(goneAt - start).toBeLessThan(15_000);
    expect(await cluster().leftoversOf([uidOf(created)])).toEqual({ sandboxes: [], containers: [] });
  });
});
