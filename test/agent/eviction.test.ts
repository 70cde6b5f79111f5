/**
 * Node-pressure eviction end to end. The agent's memory.available hard threshold is set from what
 * the machine has when its cluster starts (available minus HEADROOM), so a BestEffort hog holding
 * twice the headroom crosses it: the hog is evicted (Failed, Evicted, the kubelet's message, an
 * Evicted event, DisruptionTarget), the node reports MemoryPressure with its taint, a BestEffort
 * pod is refused while the condition holds (the transition period), and a Guaranteed pod beside
 * the hog is untouched. A pod writing past its emptyDir sizeLimit is
 * evicted with the kubelet's local storage message. Only this file's agent evicts: the other
 * agents on the machine have their own configuration, and the hog is a small part of the memory.
 */
import { readFile } from "node:fs/promises";
import type { INode } from "kubernetes-models/v1";
import { describe, it } from "vitest";
import { resourcePath } from "../../src/api/index.js";
import { RUNTIMES } from "../support/cluster.js";
import { useCluster } from "../support/cluster-vitest.js";
import {
  condition,
  containerStatus,
  FOREVER,
  phaseIs,
  pod,
  podEvents,
  runningAndReady,
  shell,
} from "./pods.js";

const MI = 1024 * 1024;
/** How far below what is available the threshold sits; the hog takes twice this. */
const HEADROOM_MI = 1000;
const HOG_MI = 2 * HEADROOM_MI;
const TRANSITION = "10s";

/** memory.available as the agent computes it: MemTotal minus the root memory cgroup's working set. */
async function memoryAvailableBytes(): Promise<number> {
  const meminfo = await readFile("/proc/meminfo", "utf8");
  const total = Number(/^MemTotal:\s+(\d+) kB/m.exec(meminfo)?.[1]) * 1024;
  const usage = Number((await readFile("/sys/fs/cgroup/memory/memory.usage_in_bytes", "utf8")).trim());
  const stat = await readFile("/sys/fs/cgroup/memory/memory.stat", "utf8");
  const inactive = Number(/^total_inactive_file (\d+)/m.exec(stat)?.[1]);
  if (!(total > 0 && usage > 0)) throw new Error("cannot read the machine's memory");
  return total - (usage - inactive);
}

function nodeCondition(node: INode, type: string) {
  return node.status?.conditions?.find((c) => c.type === type);
}

describe.each(RUNTIMES)("eviction on %s", (runtime) => {
  const cluster = useCluster(runtime, async () => {
    const thresholdMi = Math.floor((await memoryAvailableBytes()) / MI) - HEADROOM_MI;
    return {
      evictionMonitoringPeriod: "1s",
      agentConfig: {
        evictionHard: { "memory.available": `${thresholdMi}Mi` },
        evictionPressureTransitionPeriod: TRANSITION,
      },
    };
  });
  const node = () => cluster().api.get<INode>(resourcePath({ resource: "nodes", name: cluster().nodeName }));
  const waitForNode = async (accept: (n: INode) => boolean, what: string, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const n = await node();
      if (accept(n)) return n;
      if (Date.now() > deadline) throw new Error(`node: ${what}: ${JSON.stringify(n.status?.conditions)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  it.concurrent(
    "a memory hog is evicted, a BestEffort pod refused under MemoryPressure, a Guaranteed pod untouched",
    { timeout: 90_000 },
    async ({ expect }) => {
      const guaranteedResources = {
        requests: { cpu: "20m", memory: "32Mi" },
        limits: { cpu: "20m", memory: "32Mi" },
      };
      await cluster().createPod(
        pod("guaranteed", { containers: [shell("app", FOREVER, { resources: guaranteedResources })] }),
      );
      // dd holds its buffer while it waits to write into a pipe nobody reads.
      await cluster().createPod(
        pod("hog", { containers: [shell("hog", `dd if=/dev/zero bs=${HOG_MI}M count=1 | sleep 3600`)] }),
      );
      await cluster().waitForPod("guaranteed", runningAndReady, "Running", 45_000);
      const hog = await cluster().waitForPod("hog", phaseIs("Failed"), "Failed", 60_000);
      expect(hog.status?.reason).toBe("Evicted");
      expect(hog.status?.message).toMatch(
        /^The node was low on resource: memory\. Threshold quantity: \d+Mi, available: \d+Ki\. Container hog was using \d+(Ki|Mi)?, request is 0, has larger consumption of memory\. $/,
      );
      expect(condition(hog, "DisruptionTarget")).toMatchObject({
        status: "True",
        reason: "TerminationByKubelet",
        message: hog.status?.message,
      });
      expect(containerStatus(hog, "hog")?.state?.terminated).toBeDefined();

      const pressured = await waitForNode(
        (n) => nodeCondition(n, "MemoryPressure")?.status === "True",
        "MemoryPressure True",
        10_000,
      );
      expect(nodeCondition(pressured, "MemoryPressure")).toMatchObject({
        reason: "KubeletHasInsufficientMemory",
        message: "kubelet has insufficient memory available",
      });
      expect(pressured.spec?.taints).toContainEqual({
        key: "node.kubernetes.io/memory-pressure",
        effect: "NoSchedule",
      });

      // Within the transition period: a BestEffort pod is refused, with the kubelet's words.
      await cluster().createPod(pod("besteffort", { containers: [shell("app", FOREVER)] }));
      const refused = await cluster().waitForPod("besteffort", phaseIs("Failed"), "Failed", 30_000);
      expect(refused.status?.reason).toBe("Evicted");
      expect(refused.status?.message).toBe("Pod was rejected: The node had condition: [MemoryPressure]. ");

      const events = await podEvents((...a) => cluster().kubectl(...a), "hog");
      expect(events).toContainEqual(
        expect.objectContaining({ type: "Warning", reason: "Evicted", message: hog.status?.message }),
      );

      const guaranteed = await cluster().getPod("guaranteed");
      expect(guaranteed.status?.phase).toBe("Running");
      expect(containerStatus(guaranteed, "app")?.restartCount).toBe(0);
    },
  );

  it.concurrent(
    "a pod writing past its emptyDir sizeLimit is evicted",
    { timeout: 60_000 },
    async ({ expect }) => {
      // Burstable with a memory request it stays under: not a candidate for memory pressure.
      await cluster().createPod(
        pod("filler", {
          volumes: [{ name: "scratch", emptyDir: { sizeLimit: "8Mi" } }],
          containers: [
            shell("app", `dd if=/dev/zero of=/scratch/fill bs=1M count=16 && ${FOREVER}`, {
              resources: { requests: { cpu: "10m", memory: "32Mi" } },
              volumeMounts: [{ name: "scratch", mountPath: "/scratch" }],
            }),
          ],
        }),
      );
      const filler = await cluster().waitForPod("filler", phaseIs("Failed"), "Failed", 45_000);
      expect(filler.status?.reason).toBe("Evicted");
      expect(filler.status?.message).toBe('Usage of EmptyDir volume "scratch" exceeds the limit "8Mi". ');
      expect(condition(filler, "DisruptionTarget")?.reason).toBe("TerminationByKubelet");
      const events = await podEvents((...a) => cluster().kubectl(...a), "filler");
      expect(events).toContainEqual(
        expect.objectContaining({ type: "Warning", reason: "Evicted", message: filler.status?.message }),
      );
    },
  );
});
