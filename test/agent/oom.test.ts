/**
 * A container the kernel kills for exceeding its memory limit: terminated, reason OOMKilled, exit
 * code 137, on both runtimes. Two shapes: a limited container beside an unlimited one (its own
 * cgroup overflows), and a single container whose limit is the pod's (the pod cgroup may overflow
 * first; the agent reads the pod cgroup's OOM kill count).
 */
import type { IPod } from "kubernetes-models/v1";
import { describe, it } from "vitest";
import { RUNTIMES } from "../support/cluster.js";
import { useCluster } from "../support/cluster-vitest.js";
import { FOREVER, containerStatus, phaseIs, pod, shell } from "./pods.js";

const EAT = "tail /dev/zero";
const LIMIT = { resources: { limits: { memory: "32Mi" } } };
const GUARANTEED = { resources: { limits: { memory: "32Mi", cpu: "100m" } } };

function oomKilled(p: IPod, name: string): boolean {
  const s = containerStatus(p, name);
  return (s?.state?.terminated ?? s?.lastState?.terminated)?.reason === "OOMKilled";
}

describe.each(RUNTIMES)("OOM kills on %s", (runtime) => {
  const cluster = useCluster(runtime);

  it.concurrent("a container over its own limit beside another: OOMKilled, 137", async ({ expect }) => {
    await cluster().createPod(
      pod("oom-beside", {
        restartPolicy: "Never",
        containers: [shell("eat", EAT, LIMIT), shell("other", FOREVER)],
      }),
    );
    const p = await cluster().waitForPod(
      "oom-beside",
      (p) => containerStatus(p, "eat")?.state?.terminated !== undefined,
      "eat terminated",
      60_000,
    );
    expect(containerStatus(p, "eat")?.state?.terminated).toMatchObject({
      reason: "OOMKilled",
      exitCode: 137,
    });
    await cluster().deletePod("oom-beside");
  });

  it.concurrent("a single container whose limit is the pod's: OOMKilled, 137", async ({ expect }) => {
    await cluster().createPod(
      pod("oom-alone", { restartPolicy: "Never", containers: [shell("eat", EAT, GUARANTEED)] }),
    );
    const p = await cluster().waitForPod("oom-alone", phaseIs("Failed"), "Failed", 60_000);
    expect(oomKilled(p, "eat")).toBe(true);
    expect(containerStatus(p, "eat")?.state?.terminated).toMatchObject({
      reason: "OOMKilled",
      exitCode: 137,
    });
    await cluster().deletePod("oom-alone");
  });

  it.concurrent("restarted after an OOM kill: lastState OOMKilled, 137", async ({ expect }) => {
    await cluster().createPod(
      pod("oom-restart", { containers: [shell("eat", EAT, LIMIT), shell("other", FOREVER)] }),
    );
    const p = await cluster().waitForPod(
      "oom-restart",
      (p) => (containerStatus(p, "eat")?.restartCount ?? 0) >= 1,
      "eat restarted",
      60_000,
    );
    expect(containerStatus(p, "eat")?.lastState?.terminated).toMatchObject({
      reason: "OOMKilled",
      exitCode: 137,
    });
    await cluster().deletePod("oom-restart");
  });
});
