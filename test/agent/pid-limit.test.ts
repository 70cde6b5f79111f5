/**
 * podPidsLimit on both runtimes: the pod cgroup's pids.max is the limit, and a fork bomb inside
 * the pod is held at it (the fork past it fails with EAGAIN, counted in pids.events) while the node stays
 * Ready and a pod beside it still starts. The bomb is bounded (a loop of at most 1000 background
 * sleeps), so a broken limit could not take the shared machine down.
 */
import { readFile, readdir } from "node:fs/promises";
import { describe, it } from "vitest";
import { RUNTIMES } from "../support/cluster.js";
import { useCluster } from "../support/cluster-vitest.js";
import { FOREVER, phaseIs, pod, shell, uidOf } from "./pods.js";

const PIDS_LIMIT = 64;
// The loop runs in a subshell, which busybox ends at its first refused fork; the container then
// stays up (exec needs no fork) so that its cgroup, where the kernel counts the refusal, stays too.
const BOMB = "(i=0; while [ $i -lt 1000 ]; do sleep 300 & i=$((i+1)); done); exec sleep 300";
/** cgroup v1 on this machine: the pids hierarchy. */
const PIDS_ROOT = "/sys/fs/cgroup/pids";

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function readNumber(path: string): Promise<number> {
  return Number((await readFile(path, "utf8")).trim());
}

/**
 * Forks refused under `dir`: pids.events "max" summed over the subtree (this kernel counts a
 * refused fork in the forking task's own cgroup, the container's, not where the limit is).
 */
async function refusedForks(dir: string): Promise<number> {
  const events = await readFile(`${dir}/pids.events`, "utf8").catch(() => "");
  let sum = Number(/^max (\d+)$/m.exec(events)?.[1] ?? 0);
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) if (e.isDirectory()) sum += await refusedForks(`${dir}/${e.name}`);
  return sum;
}

describe.each(RUNTIMES)("podPidsLimit on %s", (runtime) => {
  const cluster = useCluster(runtime, { agentConfig: { podPidsLimit: PIDS_LIMIT } });

  it.concurrent("a fork bomb is held at pids.max while the node stays Ready", async ({ expect }) => {
    const created = await cluster().createPod(
      pod("fork-bomb", { restartPolicy: "Never", containers: [shell("bomb", BOMB)] }),
    );
    // BestEffort pod: <cgroupRoot>/kubepods/besteffort/pod<uid> (cgroupfs driver).
    const dir = `${PIDS_ROOT}${cluster().cgroupRoot}/kubepods/besteffort/pod${uidOf(created)}`;
    // The kernel refuses the fork that would pass pids.max (pids.events counts it) and busybox sh
    // reports it.
    const deadline = Date.now() + 30_000;
    while ((await refusedForks(dir)) === 0) {
      if (Date.now() > deadline) throw new Error(`no fork was refused in ${dir}`);
      await sleep(200);
    }
    expect((await readFile(`${dir}/pids.max`, "utf8")).trim()).toBe(String(PIDS_LIMIT));
    expect(await readNumber(`${dir}/pids.current`)).toBeLessThanOrEqual(PIDS_LIMIT);
    await expect
      .poll(() => cluster().kubectl("logs", "fork-bomb"), { timeout: 15_000 })
      .toMatch(/can't fork/);

    // The node is unharmed: Ready, and a new pod starts beside the bomb.
    await cluster().waitForNodeReady(5_000);
    await cluster().createPod(pod("beside-bomb", { containers: [shell("app", FOREVER)] }));
    await cluster().waitForPod("beside-bomb", phaseIs("Running"), "Running");
    expect(cluster().agent.running).toBe(true);
    await cluster().deletePod("fork-bomb", { gracePeriodSeconds: 0 });
    await cluster().deletePod("beside-bomb", { gracePeriodSeconds: 0 });
    await cluster().waitForPodGone("fork-bomb");
    await cluster().waitForPodGone("beside-bomb");
  });
});
