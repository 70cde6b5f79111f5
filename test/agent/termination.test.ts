/**
 * Graceful deletion, timed from `kubectl delete` to the pod object's disappearance (the agent's final
 * delete after SIGTERM, the grace period, SIGKILL and the sandbox teardown): a container that
 * traps SIGTERM goes at once; one that ignores it (a shell as PID 1 without a trap) is killed
 * when the grace period ends. Nothing of either stays in the runtime.
 */
import { describe, it } from "vitest";
import { RUNTIMES } from "../support/cluster.js";
import { useCluster } from "../support/cluster-vitest.js";
import { FOREVER, pod, runningAndReady, shell, uidOf } from "./pods.js";

/** A shell as PID 1 with no handler: SIGTERM does nothing. */
const IGNORES_TERM = "while :; do sleep 1; done";
const GRACE_SECONDS = 6;

describe.each(RUNTIMES)("graceful deletion on %s", (runtime) => {
  const cluster = useCluster(runtime);

  async function timedDeletion(name: string, script: string): Promise<{ ms: number; uid: string }> {
    const created = await cluster().createPod(
      pod(name, { terminationGracePeriodSeconds: GRACE_SECONDS, containers: [shell("app", script)] }),
    );
    await cluster().waitForPod(name, runningAndReady, "Running", 45_000);
    const gone = cluster().waitForPodGone(name, 60_000);
    const start = performance.now();
    await cluster().kubectl("delete", "pod", name, "--wait=false");
    await gone;
    return { ms: performance.now() - start, uid: uidOf(created) };
  }

  it.concurrent("a container that traps SIGTERM is gone well before its grace period", async ({ expect }) => {
    const { ms, uid } = await timedDeletion("traps-term", FOREVER);
    expect(ms).toBeLessThan((GRACE_SECONDS - 1) * 1000);
    expect(await cluster().leftoversOf([uid])).toEqual({ sandboxes: [], containers: [] });
  });

  it.concurrent(
    "a container that ignores SIGTERM is killed when the grace period ends",
    async ({ expect }) => {
      const { ms, uid } = await timedDeletion("ignores-term", IGNORES_TERM);
      expect(ms).toBeGreaterThanOrEqual(GRACE_SECONDS * 1000);
      expect(ms).toBeLessThan((GRACE_SECONDS + 10) * 1000);
      expect(await cluster().leftoversOf([uid])).toEqual({ sandboxes: [], containers: [] });
    },
  );
});
