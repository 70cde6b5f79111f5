/**
 * restartPolicy, as in the upstream runtime conformance table: a container that fails its first
 * run, succeeds its second and then runs forever (counting runs in an emptyDir).
 *   Always    -> Running, restartCount 2, ready
 *   OnFailure -> Succeeded, restartCount 1
 *   Never     -> Failed, restartCount 0
 * Always waits through two CrashLoopBackOff periods (10 s, then 20 s). And when an OnFailure pod's
 * sandbox dies, the new sandbox runs only what has not succeeded (kubelet computePodActions), with
 * a SandboxChanged event.
 */
import type { IEvent } from "kubernetes-models/v1";
import { describe, it } from "vitest";
import { resourcePath } from "../../src/api/index.js";
import { NAMESPACE, RUNTIMES } from "../support/cluster.js";
import { useCluster } from "../support/cluster-vitest.js";
import {
  FAIL_SUCCEED_FOREVER,
  condition,
  containerStatus,
  countingPod,
  kubectlPodRow,
  phaseIs,
  pod,
  runningAndReady,
  shell,
  uidOf,
} from "./pods.js";

describe.each(RUNTIMES)("restart policies on %s", (runtime) => {
  const cluster = useCluster(runtime);

  it.concurrent("Always: Running with restartCount 2 and ready", { timeout: 120_000 }, async ({ expect }) => {
    await cluster().createPod(countingPod("always", FAIL_SUCCEED_FOREVER, "Always"));
    const p = await cluster().waitForPod(
      "always",
      (p) => runningAndReady(p) && containerStatus(p, "app")?.restartCount === 2,
      "Running, restartCount 2, ready",
      100_000,
    );
    const app = containerStatus(p, "app");
    expect(app?.started).toBe(true);
    expect(app?.lastState?.terminated).toMatchObject({ exitCode: 0, reason: "Completed" });
    expect(app?.containerID).toMatch(new RegExp(`^${runtime}://[0-9a-f]{12,}$`));
    expect(condition(p, "Ready")?.status).toBe("True");
    expect(condition(p, "ContainersReady")?.status).toBe("True");
    expect(condition(p, "Initialized")?.status).toBe("True");
    const row = await kubectlPodRow((...a) => cluster().kubectl(...a), "always");
    expect(row).toMatchObject({ READY: "1/1", STATUS: "Running" });
    expect(row["RESTARTS"]).toMatch(/^2 \(\d+s ago\)$/);
    // the runtime holds the running third run; at most the kubelet's one dead attempt per container
    // may remain, and the sandbox is the one it started with
    const view = await cluster().runtimeView(p.metadata?.uid ?? "");
    expect(view.sandboxes.filter((s) => s.state === "ready")).toHaveLength(1);
    expect(view.containers.filter((c) => c.state === "running").map((c) => `${runtime}://${c.id}`)).toEqual([
      app?.containerID,
    ]);
  });

  it.concurrent("OnFailure: Succeeded with restartCount 1", { timeout: 90_000 }, async ({ expect }) => {
    await cluster().createPod(countingPod("onfailure", FAIL_SUCCEED_FOREVER, "OnFailure"));
    const p = await cluster().waitForPod("onfailure", phaseIs("Succeeded"), "Succeeded", 70_000);
    const app = containerStatus(p, "app");
    expect(app?.restartCount).toBe(1);
    expect(app?.ready).toBe(false);
    expect(app?.state?.terminated).toMatchObject({ exitCode: 0, reason: "Completed" });
    expect(condition(p, "Ready")).toMatchObject({ status: "False", reason: "PodCompleted" });
    const row = await kubectlPodRow((...a) => cluster().kubectl(...a), "onfailure");
    expect(row).toMatchObject({ READY: "0/1", STATUS: "Completed" });
    expect(row["RESTARTS"]).toMatch(/^1 \(\d+s ago\)$/);
  });

  it.concurrent(
    "OnFailure, sandbox died: only what has not succeeded runs again, SandboxChanged",
    { timeout: 90_000 },
    async ({ expect }) => {
      const created = await cluster().createPod(
        pod("sandbox-dies", {
          restartPolicy: "OnFailure",
          // the server fails when its sandbox goes (SIGTERM on Docker, SIGKILL on containerd)
          containers: [
            shell("once", "echo done"),
            shell("server", "trap 'exit 1' TERM; while :; do sleep 1 & wait $!; done"),
          ],
        }),
      );
      await cluster().waitForPod(
        "sandbox-dies",
        (p) =>
          containerStatus(p, "once")?.state?.terminated?.exitCode === 0 &&
          containerStatus(p, "server")?.state?.running !== undefined,
        "once done, server running",
        45_000,
      );
      const before = await cluster().runtimeView(uidOf(created));
      const sandbox = before.sandboxes.find((s) => s.state === "ready");
      expect(sandbox).toBeDefined();
      await cluster().runtime.stopPodSandbox(sandbox?.id ?? "");
      const p = await cluster().waitForPod(
        "sandbox-dies",
        (p) =>
          // a restart the agent tried before it saw the sandbox gone may count too
          (containerStatus(p, "server")?.restartCount ?? 0) >= 1 &&
          containerStatus(p, "server")?.state?.running !== undefined,
        "server running in a new sandbox",
        60_000,
      );
      expect(containerStatus(p, "once")?.restartCount).toBe(0);
      expect(containerStatus(p, "once")?.state?.terminated).toMatchObject({ exitCode: 0 });
      const after = await cluster().runtimeView(uidOf(created));
      expect(after.containers.filter((c) => c.metadata.name === "once")).toHaveLength(1);
      const events = await cluster().api.list<IEvent>(
        resourcePath({ resource: "events", namespace: NAMESPACE }),
      );
      expect(
        events.items.find((e) => e.involvedObject.name === "sandbox-dies" && e.reason === "SandboxChanged")
          ?.message,
      ).toBe("Pod sandbox changed, it will be killed and re-created.");
      await cluster().deletePod("sandbox-dies");
    },
  );

  it.concurrent("Never: Failed with restartCount 0", { timeout: 60_000 }, async ({ expect }) => {
    await cluster().createPod(countingPod("never", FAIL_SUCCEED_FOREVER, "Never"));
    const p = await cluster().waitForPod("never", phaseIs("Failed"), "Failed", 45_000);
    const app = containerStatus(p, "app");
    expect(app?.restartCount).toBe(0);
    expect(app?.state?.terminated).toMatchObject({ exitCode: 1, reason: "Error" });
    expect(condition(p, "Ready")).toMatchObject({ status: "False", reason: "PodFailed" });
    const row = await kubectlPodRow((...a) => cluster().kubectl(...a), "never");
    expect(row).toMatchObject({ READY: "0/1", STATUS: "Error", RESTARTS: "0" });
  });
});
