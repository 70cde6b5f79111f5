/**
 * What wakes a pod besides its own spec and runtime: a readiness gate's condition set by another
 * writer with `kubectl patch --subresource=status` flips Ready within about a second (not at the
 * 60 s resync), and a container waiting for a ConfigMap its env names starts within about 15 s of
 * the ConfigMap's creation (the 10 s retry of CreateContainerConfigError).
 */
import { describe, it } from "vitest";
import { RUNTIMES } from "../support/cluster.js";
import { useCluster } from "../support/cluster-vitest.js";
import { FOREVER, condition, pod, runningAndReady, shell, waitingReason } from "./pods.js";

const GATE = "example.com/load-balancer-ready";

describe.each(RUNTIMES)("wake-ups on %s", (runtime) => {
  const cluster = useCluster(runtime);

  it.concurrent("a readiness gate set through pods/status flips Ready at once", async ({ expect }) => {
    await cluster().createPod(
      pod("gated", { readinessGates: [{ conditionType: GATE }], containers: [shell("app", FOREVER)] }),
    );
    const waiting = await cluster().waitForPod(
      "gated",
      (p) => p.status?.phase === "Running" && condition(p, "ContainersReady")?.status === "True",
      "Running, containers ready",
      45_000,
    );
    expect(condition(waiting, "Ready")).toMatchObject({ status: "False", reason: "ReadinessGatesNotReady" });
    const ready = cluster().waitForPod(
      "gated",
      (p) => condition(p, "Ready")?.status === "True",
      "Ready",
      30_000,
    );
    const start = performance.now();
    await cluster().kubectl(
      "patch",
      "pod",
      "gated",
      "--subresource=status",
      "-p",
      JSON.stringify({ status: { conditions: [{ type: GATE, status: "True" }] } }),
    );
    const p = await ready;
    expect(performance.now() - start).toBeLessThan(5_000);
    // the agent's later status writes keep the other writer's condition
    expect(condition(p, GATE)?.status).toBe("True");
    await cluster().deletePod("gated");
  });

  it.concurrent(
    "a container waiting for a missing ConfigMap starts soon after it is created",
    async ({ expect }) => {
      await cluster().createPod(
        pod("needs-config", {
          containers: [
            shell("app", FOREVER, {
              env: [{ name: "MODE", valueFrom: { configMapKeyRef: { name: "late-config", key: "mode" } } }],
            }),
          ],
        }),
      );
      const p = await cluster().waitForPod(
        "needs-config",
        (p) => waitingReason(p, "app") === "CreateContainerConfigError",
        "CreateContainerConfigError",
        45_000,
      );
      expect(p.status?.containerStatuses?.[0]?.state?.waiting?.message).toBe(
        'configmap "late-config" not found',
      );
      const running = cluster().waitForPod("needs-config", runningAndReady, "Running", 45_000);
      const start = performance.now();
      await cluster().kubectl("create", "configmap", "late-config", "--from-literal=mode=on");
      await running;
      expect(performance.now() - start).toBeLessThan(16_000);
      await cluster().deletePod("needs-config");
    },
  );
});
