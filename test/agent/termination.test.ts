/**
 * Graceful deletion, timed from the server's view: from the DELETE call that sets the pod's
 * deletionTimestamp to the watch event of the pod object's disappearance (the agent's final delete
 * after SIGTERM, the grace period, SIGKILL and the sandbox teardown). A container that traps
 * SIGTERM goes at once; one that ignores it (a shell as PID 1 without a trap) is killed when the
 * grace period ends. Nothing of either stays in the runtime. The two cases run one after the other
 * so that neither's timing carries the other's load.
 */
import { describe, expect, it } from "vitest";
import { RUNTIMES } from "../support/cluster.js";
import { useCluster } from "../support/cluster-vitest.js";
import { FOREVER, pod, runningAndReady, shell, uidOf } from "./pods.js";

/** A shell as PID 1 with no handler: SIGTERM does nothing. */
const IGNORES_TERM = "while :; do sleep 1; done";
const GRACE_SECONDS = 6;

describe.each(RUNTIMES)("graceful deletion on %s", (runtime) => {
  const cluster = useCluster(runtime);

  /**
   * Deletes the pod and times it until its object is gone: `atMost` from just before the DELETE
   * call, `atLeast` from its answer (by then the server has set the deletionTimestamp).
   */
  async function timedDeletion(
    name: string,
    script: string,
  ): Promise<{ atLeast: number; atMost: number; uid: string }> {
    const created = await cluster().createPod(
      pod(name, { terminationGracePeriodSeconds: GRACE_SECONDS, containers: [shell("app", script)] }),
    );
    await cluster().waitForPod(name, runningAndReady, "Running", 45_000);
    const gone = cluster().waitForPodGone(name, 60_000);
    const before = performance.now();
    await cluster().deletePod(name);
    const answered = performance.now();
    const terminating = await cluster().waitForPod(
      name,
      (p) => p.metadata?.deletionTimestamp !== undefined,
      "deletionTimestamp set",
    );
    expect(terminating.metadata?.deletionGracePeriodSeconds).toBe(GRACE_SECONDS);
    await gone;
    const end = performance.now();
    return { atLeast: end - answered, atMost: end - before, uid: uidOf(created) };
  }

  it("a container that traps SIGTERM is gone well before its grace period", async ({ expect }) => {
    const { atMost, uid } = await timedDeletion("traps-term", FOREVER);
    expect(atMost).toBeLessThan((GRACE_SECONDS - 1) * 1000);
    expect(await cluster().leftoversOf([uid])).toEqual({ sandboxes: [], containers: [] });
  });

  it("a container that ignores SIGTERM is killed when the grace period ends", async ({ expect }) => {
    const { atLeast, atMost, uid } = await timedDeletion("ignores-term", IGNORES_TERM);
    expect(atLeast).toBeGreaterThanOrEqual(GRACE_SECONDS * 1000);
    expect(atMost).toBeLessThan((GRACE_SECONDS + 10) * 1000);
    expect(await cluster().leftoversOf([uid])).toEqual({ sandboxes: [], containers: [] });
  });
});
