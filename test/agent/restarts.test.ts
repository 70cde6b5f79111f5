/**
 * The agent across restarts of what it depends on:
 * - the API server stops and starts again while the agent watches: running pods are not touched,
 *   and pods created or deleted after the restart are handled (the watch came back);
 * - the runtime daemon stops and starts again: containerd keeps its containers (shims survive),
 *   so the pod is untouched; dockerd (no live-restore) takes them down, so the agent starts the
 *   pod again; either way it converges to one ready sandbox and one running container, and new
 *   pods run.
 */
import { describe, it } from "vitest";
import { RUNTIMES } from "../support/cluster.js";
import { useCluster } from "../support/cluster-vitest.js";
import { FOREVER, containerStatus, pod, runningAndReady, shell, uidOf } from "./pods.js";

describe.each(RUNTIMES)("restarts around the agent on %s", (runtime) => {
  const cluster = useCluster(runtime);

  it("API server restart during the watch", { timeout: 120_000 }, async ({ expect }) => {
    const c = cluster();
    await c.createPod(pod("before-api-restart", { containers: [shell("app", FOREVER)] }));
    const before = await c.waitForPod("before-api-restart", runningAndReady, "Running", 45_000);

    await c.restartApiServer(2_000);

    await c.createPod(pod("after-api-restart", { containers: [shell("app", FOREVER)] }));
    await c.waitForPod("after-api-restart", runningAndReady, "Running after the API server restart", 60_000);
    const same = await c.getPod("before-api-restart");
    expect(runningAndReady(same)).toBe(true);
    expect(containerStatus(same, "app")?.containerID).toBe(containerStatus(before, "app")?.containerID);
    expect(containerStatus(same, "app")?.restartCount).toBe(0);

    const gone = c.waitForPodGone("before-api-restart", 30_000);
    await c.deletePod("before-api-restart");
    await gone;
    expect(await c.leftoversOf([uidOf(before)])).toEqual({ sandboxes: [], containers: [] });
  });

  it("runtime daemon restart", { timeout: 180_000 }, async ({ expect }) => {
    const c = cluster();
    await c.createPod(pod("before-runtime-restart", { containers: [shell("app", FOREVER)] }));
    const before = await c.waitForPod("before-runtime-restart", runningAndReady, "Running", 45_000);
    const beforeId = containerStatus(before, "app")?.containerID;

    await c.restartRuntimeDaemon();

    const after = await c.waitForPod(
      "before-runtime-restart",
      (p) =>
        runningAndReady(p) &&
        (runtime === "containerd" || containerStatus(p, "app")?.containerID !== beforeId),
      "Running again after the runtime restart",
      90_000,
    );
    if (runtime === "containerd") {
      expect(containerStatus(after, "app")?.containerID).toBe(beforeId);
      expect(containerStatus(after, "app")?.restartCount).toBe(0);
    }
    const view = await c.runtimeView(uidOf(after));
    expect(view.sandboxes.filter((s) => s.state === "ready")).toHaveLength(1);
    expect(view.containers.filter((x) => x.state === "running").map((x) => `${runtime}://${x.id}`)).toEqual([
      containerStatus(after, "app")?.containerID,
    ]);

    await c.createPod(pod("after-runtime-restart", { containers: [shell("app", FOREVER)] }));
    await c.waitForPod("after-runtime-restart", runningAndReady, "Running after the runtime restart", 60_000);
    await c.waitForNodeReady(30_000);
  });
});
