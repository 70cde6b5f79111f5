/**
 * The e2e harness's checks at the end of a cluster (test/support/cluster.ts) report what they
 * claim: what a deleted pod left (container, sandbox, pod cgroup) and a component that does not exit
 * 0 on SIGTERM, after removing it all. The leaks are planted by hand with the node's labels on the
 * real containerd and in the real cgroupfs; the bad exits come from a hook loaded into both
 * processes that exits 3 on SIGTERM. One runtime: the checks go through the runtime adapter's
 * list calls, which the contract suite holds equal on both.
 */
import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, it } from "vitest";
import { LABEL_NODE_NAME } from "../../src/agent/pods/index.js";
import { containerLabels, sandboxLabels, type PodSandboxConfig } from "../../src/runtime/index.js";
import { TestCluster } from "../support/cluster.js";
import { requireEnv, testEnv } from "../support/env.js";

const MEMORY_CGROUPS = "/sys/fs/cgroup/memory";

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

describe("the e2e harness's end-of-cluster checks", () => {
  it("report a deleted pod's container, sandbox and pod cgroup, and exits other than 0 on SIGTERM", async ({
    expect,
  }) => {
    requireEnv("TEST_IMAGE");
    const hookDir = await mkdtemp(join(tmpdir(), "berth-harness-hook-"));
    const hook = join(hookDir, "exit-3-on-sigterm.mjs");
    await writeFile(hook, 'process.prependListener("SIGTERM", () => process.exit(3));\n');
    const env = { NODE_OPTIONS: `--import=${pathToFileURL(hook).href}` };
    const cluster = await TestCluster.start({ runtime: "containerd", agentEnv: env, apiserverEnv: env });
    const agentPid = cluster.agent.pid ?? 0;
    try {
      expect(await cluster.deletedPodLeftovers(0)).toEqual([]);

      // A pod the API never had, made as the agent makes one. The agent is paused meanwhile: its
      // housekeeping would remove these as an orphan before the check looks.
      const uid = randomUUID();
      const ref = { name: "planted", namespace: "default", uid };
      const podCgroup = `${cluster.cgroupRoot}/kubepods/besteffort/pod${uid}`;
      const sandboxConfig: PodSandboxConfig = {
        metadata: { ...ref, attempt: 0 },
        logDirectory: join(cluster.dir, "planted-logs"),
        portMappings: [],
        labels: { ...sandboxLabels(ref), [LABEL_NODE_NAME]: cluster.nodeName },
        annotations: {},
        cgroupParent: podCgroup,
        namespaceOptions: { network: "NODE", pid: "CONTAINER", ipc: "POD" },
        sysctls: {},
      };
      process.kill(agentPid, "SIGSTOP");
      let planted: string[];
      try {
        const sandboxId = await cluster.runtime.runPodSandbox(sandboxConfig);
        const containerId = await cluster.runtime.createContainer(
          sandboxId,
          {
            metadata: { name: "leak", attempt: 0 },
            image: { image: testEnv.testImage() },
            command: ["sleep", "3600"],
            args: [],
            envs: [],
            mounts: [],
            labels: { ...containerLabels(ref, "leak"), [LABEL_NODE_NAME]: cluster.nodeName },
            annotations: {},
            logPath: "leak/0.log",
          },
          sandboxConfig,
        );
        planted = await cluster.deletedPodLeftovers(0);
        expect(planted).toEqual([
          `pod ${uid}: containers ${containerId}`,
          `pod ${uid}: sandboxes ${sandboxId}`,
          expect.stringContaining(`${MEMORY_CGROUPS}${podCgroup}`),
        ]);
      } finally {
        process.kill(agentPid, "SIGCONT");
      }
      // Running again, the agent removes the orphan itself, cgroup included: nothing is left.
      expect(await cluster.deletedPodLeftovers(20_000)).toEqual([]);

      // A pod cgroup alone (the agent only removes stray cgroups it made), and two bad exits.
      const strayUid = randomUUID();
      const stray = `${MEMORY_CGROUPS}${cluster.cgroupRoot}/kubepods/besteffort/pod${strayUid}`;
      await mkdir(stray);
      const failure = await cluster.stop(1_000).then(
        () => undefined,
        (err: unknown) => String(err),
      );
      expect(failure).toContain(
        `the agent left behind objects of deleted pods:\n  pod ${strayUid}: cgroups ${stray}`,
      );
      expect(failure).toContain("berth agent exited with 3 on SIGTERM, not 0");
      expect(failure).toContain("berth apiserver exited with 3 on SIGTERM, not 0");
      // ... after removing what was left all the same.
      expect(await exists(stray)).toBe(false);
      expect(await exists(`${MEMORY_CGROUPS}${cluster.cgroupRoot}`)).toBe(false);
    } finally {
      if (cluster.agent.running) await cluster.stop(0).catch(() => undefined);
      await rm(cluster.dir, { recursive: true, force: true });
      await rm(hookDir, { recursive: true, force: true });
    }
  });
});
