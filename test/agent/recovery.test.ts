/**
 * kill -9 of the agent in the middle of a burst of 30 pod creations and deletions, then a fresh
 * start: every pod converges (the kept ones Running, the deleted ones gone), no sandbox or
 * container is duplicated, a restart count earned before the crash is kept, and nothing of the
 * deleted pods is left in the runtime. And a pod deleted while the agent was down: the agent finds
 * it only in the runtime and still runs its preStop hook, from the handler recorded on the container.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { IPod } from "kubernetes-models/v1";
import { describe, it } from "vitest";
import { RUNTIMES } from "../support/cluster.js";
import { useCluster } from "../support/cluster-vitest.js";
import {
  FAIL_ONCE_THEN_FOREVER,
  FOREVER,
  containerStatus,
  countingPod,
  pod,
  runningAndReady,
  shell,
  uidOf,
} from "./pods.js";

const BURST = 30;
/** Pods deleted during the burst (the first ones created). */
const DELETED = 10;
/** How many creations go through before the kill. */
const KILL_AFTER = 12;

describe.each(RUNTIMES)("agent crash recovery on %s", (runtime) => {
  const cluster = useCluster(runtime);

  it(
    "kill -9 during a burst of 30 creations and deletions: every pod converges, nothing duplicated or orphaned",
    {
      timeout: 240_000,
    },
    async ({ expect }) => {
      const c = cluster();
      // a pod with one restart behind it before the crash
      await c.createPod(countingPod("steady", FAIL_ONCE_THEN_FOREVER, "Always"));
      const before = await c.waitForPod(
        "steady",
        (p) => runningAndReady(p) && containerStatus(p, "app")?.restartCount === 1,
        "Running after one restart",
        60_000,
      );
      const steadyId = containerStatus(before, "app")?.containerID;

      const names = Array.from({ length: BURST }, (_, i) => `burst-${i}`);
      let createdCount = 0;
      let killed: Promise<void> | undefined;
      const created = new Map<string, IPod>();
      const deletions: Promise<void>[] = [];
      await Promise.all(
        names.map(async (name, i) => {
          created.set(name, await c.createPod(pod(name, { containers: [shell("app", FOREVER)] })));
          createdCount += 1;
          if (createdCount === KILL_AFTER) killed = c.killAgent();
          if (i < DELETED) deletions.push(c.deletePod(name));
        }),
      );
      await Promise.all(deletions);
      await killed;
      expect(c.agent.running).toBe(false);
      await c.startAgent();

      const kept = names.slice(DELETED);
      const deleted = names.slice(0, DELETED);
      const running = await Promise.all(
        kept.map((name) => c.waitForPod(name, runningAndReady, "Running after the restart", 120_000)),
      );
      await Promise.all(deleted.map((name) => c.waitForPodGone(name, 120_000)));

      for (const p of running) {
        expect(containerStatus(p, "app")?.restartCount).toBe(0);
        const view = await c.runtimeView(uidOf(p));
        expect(view.sandboxes.map((s) => s.state)).toEqual(["ready"]);
        expect(view.containers.map((x) => x.state)).toEqual(["running"]);
      }
      const deletedUids = deleted.map((name) => created.get(name)?.metadata?.uid ?? "");
      expect(await c.leftoversOf(deletedUids)).toEqual({ sandboxes: [], containers: [] });

      const after = await c.getPod("steady");
      expect(runningAndReady(after)).toBe(true);
      expect(containerStatus(after, "app")?.restartCount).toBe(1);
      expect(containerStatus(after, "app")?.containerID).toBe(steadyId);
      const steadyView = await c.runtimeView(uidOf(after));
      expect(steadyView.sandboxes.filter((s) => s.state === "ready")).toHaveLength(1);
      expect(steadyView.containers.filter((x) => x.state === "running")).toHaveLength(1);
    },
  );

  it("a pod deleted while the agent is down still gets its preStop hook", async ({ expect }) => {
    const c = cluster();
    const out = await mkdtemp(join(tmpdir(), "berth-orphan-hook-"));
    try {
      await c.createPod(
        pod("orphan-hook", {
          terminationGracePeriodSeconds: 10,
          volumes: [{ name: "out", hostPath: { path: out, type: "Directory" } }],
          containers: [
            {
              ...shell("app", FOREVER),
              volumeMounts: [{ name: "out", mountPath: "/out" }],
              lifecycle: { preStop: { exec: { command: ["sh", "-c", "echo stopped > /out/pre-stop"] } } },
            },
          ],
        }),
      );
      const running = await c.waitForPod("orphan-hook", runningAndReady, "Running", 60_000);
      await c.stopAgent();
      await c.deletePod("orphan-hook", { gracePeriodSeconds: 0 });
      await c.waitForPodGone("orphan-hook");
      await c.startAgent();
      await expect
        .poll(async () => (await c.runtimeView(uidOf(running))).containers.length, {
          timeout: 60_000,
          interval: 500,
        })
        .toBe(0);
      expect(await readFile(join(out, "pre-stop"), "utf8")).toBe("stopped\n");
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
