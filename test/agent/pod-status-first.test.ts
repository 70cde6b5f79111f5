/**
 * Status from the first moment: while its image is still being pulled (from a registry that holds
 * the manifest) a pod already shows its start time, host IPs, QoS class, conditions and
 * ContainerCreating, and kubectl says so; a pod whose sandbox cannot be made gets a
 * FailedCreatePodSandBox event and the same status, never a bare Pending.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { IEvent } from "kubernetes-models/v1";
import { afterAll, beforeAll, describe, it } from "vitest";
import { resourcePath } from "../../src/api/index.js";
import { NAMESPACE, RUNTIMES } from "../support/cluster.js";
import { useCluster } from "../support/cluster-vitest.js";
import { requireEnv } from "../support/env.js";
import { HeldRegistry } from "../support/held-registry.js";
import { FOREVER, condition, kubectlPodRow, pod, runningAndReady, shell, waitingReason } from "./pods.js";

describe.each(RUNTIMES)("pod status from the first moment on %s", (runtime) => {
  // The agent allows the made-up sysctl below, so that the runtime is the one to refuse it.
  const cluster = useCluster(runtime, { agentConfig: { allowedUnsafeSysctls: ["net.ipv4.berth_*"] } });
  let registry: HeldRegistry;
  beforeAll(async () => {
    registry = await HeldRegistry.start();
  });
  afterAll(async () => {
    if (registry === undefined) return;
    // the released pull stored the test image under the proxy's name: that name goes again. Not
    // through CRI RemoveImage, which removes the image with all its names, the shared test image's
    // among them (runtime-env.sh would then import it again): ctr removes the one name only.
    const image = registry.testImage();
    await registry.close();
    if (runtime === "containerd") {
      await promisify(execFile)("ctr", [
        "--address",
        requireEnv("CONTAINERD_SOCKET"),
        "-n",
        "k8s.io",
        "images",
        "rm",
        image,
      ]).catch(() => undefined);
    } else {
      await cluster()
        .runtime.removeImage(image)
        .catch(() => undefined);
    }
  });

  it.concurrent(
    "ContainerCreating with start time, host IPs, QoS and conditions during a slow pull",
    async ({ expect }) => {
      await cluster().createPod(
        pod("slow-pull", {
          containers: [
            shell("app", FOREVER, {
              image: registry.testImage(),
              imagePullPolicy: "Always",
              resources: { requests: { cpu: "10m" } },
            }),
          ],
        }),
      );
      const p = await cluster().waitForPod(
        "slow-pull",
        (p) => waitingReason(p, "app") === "ContainerCreating",
        "ContainerCreating",
        30_000,
      );
      expect(p.status?.phase).toBe("Pending");
      expect(p.status?.startTime).toBeDefined();
      expect(p.status?.hostIP).toBeTruthy();
      expect(p.status?.hostIPs?.[0]?.ip).toBe(p.status?.hostIP);
      expect(p.status?.qosClass).toBe("Burstable");
      expect(condition(p, "Ready")).toMatchObject({ status: "False", reason: "ContainersNotReady" });
      expect(condition(p, "Initialized")?.status).toBe("True");
      expect(condition(p, "PodScheduled")?.status).toBe("True");
      // the runtime is pulling now: its manifest request is held
      for (let i = 0; i < 100 && registry.manifestRequests === 0; i++)
        await new Promise((r) => setTimeout(r, 100));
      expect(registry.manifestRequests).toBeGreaterThan(0);
      const row = await kubectlPodRow((...a) => cluster().kubectl(...a), "slow-pull");
      expect(row).toMatchObject({ READY: "0/1", STATUS: "ContainerCreating" });
      registry.release();
      const running = await cluster().waitForPod(
        "slow-pull",
        runningAndReady,
        "Running after the pull",
        60_000,
      );
      expect(running.status?.startTime).toBe(p.status?.startTime);
      await cluster().deletePod("slow-pull");
    },
  );

  it.concurrent("a sandbox that cannot be made: FailedCreatePodSandBox and a status", async ({ expect }) => {
    await cluster().createPod(
      pod("no-sandbox", {
        // allowed by the agent, but the runtime cannot set a sysctl the kernel does not have
        securityContext: { sysctls: [{ name: "net.ipv4.berth_no_such_sysctl", value: "1" }] },
        containers: [shell("app", FOREVER)],
      }),
    );
    const p = await cluster().waitForPod(
      "no-sandbox",
      (p) => p.status?.startTime !== undefined,
      "a status",
      30_000,
    );
    expect(p.status).toMatchObject({ phase: "Pending", qosClass: "BestEffort" });
    expect(waitingReason(p, "app")).toBe("ContainerCreating");
    expect(condition(p, "PodReadyToStartContainers")?.status).toBe("False");
    const deadline = Date.now() + 30_000;
    let failed: IEvent | undefined;
    while (failed === undefined && Date.now() < deadline) {
      const events = await cluster().api.list<IEvent>(
        resourcePath({ resource: "events", namespace: NAMESPACE }),
      );
      failed = events.items.find(
        (e) => e.involvedObject.name === "no-sandbox" && e.reason === "FailedCreatePodSandBox",
      );
      if (failed === undefined) await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(failed?.type).toBe("Warning");
    expect(failed?.message).toMatch(/^Failed to create pod sandbox: /);
    const row = await kubectlPodRow((...a) => cluster().kubectl(...a), "no-sandbox");
    expect(row).toMatchObject({ READY: "0/1", STATUS: "ContainerCreating" });
    await cluster().deletePod("no-sandbox");
  });
});
