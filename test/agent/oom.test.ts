/**
 * A container the kernel kills for exceeding its memory limit: terminated, reason OOMKilled, exit
 * code 137, on both runtimes. Two shapes: a limited container beside an unlimited one (its own
 * cgroup overflows), and a single container whose limit is the pod's, where the pod cgroup
 * overflows first (it also holds the sandbox's pause process), as the kernel log's oom_memcg
 * shows. There the runtimes of this machine (cgroup v1) still say OOMKilled, since the kernel
 * notifies the OOM to every cgroup below the one that overflowed; where a runtime does not, the
 * agent reads the pod cgroup's OOM count (pods/status/oom-kills.ts, proven in pod-manager.test.ts).
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { IPod } from "kubernetes-models/v1";
import { describe, it } from "vitest";
import { RUNTIMES } from "../support/cluster.js";
import { useCluster } from "../support/cluster-vitest.js";
import { FOREVER, containerStatus, phaseIs, pod, shell } from "./pods.js";

const run = promisify(execFile);
const EAT = "tail /dev/zero";

/** The cgroup the kernel log names as the one whose limit the OOM kill of the pod's process was for. */
async function oomCgroupOf(uid: string): Promise<string | undefined> {
  const { stdout } = await run("dmesg", [], { maxBuffer: 64 * 1024 * 1024 });
  const dirs = [`pod${uid}`, `pod${uid.replaceAll("-", "_")}`];
  const lines = stdout.split("\n").filter((l) => l.includes("oom_memcg=") && dirs.some((d) => l.includes(d)));
  return /oom_memcg=([^,]*)/.exec(lines.at(-1) ?? "")?.[1];
}
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
    // The pod cgroup, not the container's, reached its limit: this is the pod-level shape.
    expect(await oomCgroupOf(p.metadata?.uid ?? "")).toMatch(/\/pod[0-9a-f_-]{36}(\.slice)?$/);
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
