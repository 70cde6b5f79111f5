/**
 * A Deployment of 1,000 replicas on hollow nodes, against the API server's raw pod-create
 * throughput measured in the same run:
 * 1. baseline: 1,000 pods created straight through the API, 32 requests in flight;
 * 2. apply the Deployment: time until all its pods exist (the ReplicaSet controller's slow-start
 *    batches and the API server), and until all are Ready;
 * 3. a new image: time until the rollout is complete (maxSurge/maxUnavailable 25%).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ApiClient, type KubeObject } from "../../src/api/index.js";
import { BerthProcess } from "../../test/support/cluster-process.js";
import { waitApiReady } from "../../test/support/apiserver-process.js";
import { HollowNode } from "../../test/support/hollow-node.js";

const IN_FLIGHT = 32;
const HOLLOW_NODES = 4;

type Deployment = KubeObject & {
  metadata: { generation?: number };
  status?: {
    observedGeneration?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    replicas?: number;
  };
};

async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    // a coarse poll: the measured spans are seconds long, and watching 1,000 pods would load the run
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Which hollow node binds a pod: its name's character sum, spread over the nodes. */
function spread(name: string): number {
  let sum = 0;
  for (const ch of name) sum += ch.charCodeAt(0);
  return sum % HOLLOW_NODES;
}

function deployment(replicas: number, image: string) {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "bench", namespace: "default" },
    spec: {
      replicas,
      selector: { matchLabels: { app: "bench" } },
      template: { metadata: { labels: { app: "bench" } }, spec: { containers: [{ name: "c", image }] } },
    },
  };
}

export async function main(argv: readonly string[]): Promise<void> {
  const i = argv.indexOf("--replicas");
  const replicas = i >= 0 ? Number(argv[i + 1]) : 1000;
  const dir = await mkdtemp(join(tmpdir(), "berth-bench-ctl-"));
  const port = 20000 + Math.floor(Math.random() * 20000);
  const apiserver = new BerthProcess(
    "apiserver",
    ["apiserver", "--data-dir", dir, "--listen", `127.0.0.1:${port}`],
    join(dir, "apiserver.log"),
  );
  await apiserver.start();
  const kubeconfig = join(dir, "admin.kubeconfig");
  await waitApiReady(apiserver, kubeconfig);
  const api = await ApiClient.fromKubeconfig(kubeconfig, { connections: IN_FLIGHT });
  const nodes: HollowNode[] = [];
  let cm: BerthProcess | undefined;
  try {
    // 1. baseline: raw creates
    await api.create("/api/v1/namespaces", { metadata: { name: "raw" } });
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < replicas) {
          const n = next++;
          await api.create("/api/v1/namespaces/raw/pods", {
            metadata: { name: `raw-${n}` },
            spec: { containers: [{ name: "c", image: "busybox" }] },
          });
        }
      }),
    );
    const rawMs = performance.now() - t0;
    await api.delete("/api/v1/namespaces/raw/pods", {});

    for (let n = 0; n < HOLLOW_NODES; n++) {
      const node = new HollowNode({
        api,
        name: `hollow-${n}`,
        startMs: 0,
        stopMs: 0,
        binds: (p) => spread(p.metadata?.name ?? "") === n,
      });
      await node.start();
      nodes.push(node);
    }
    cm = new BerthProcess(
      "controller-manager",
      ["controller-manager", "--kubeconfig", kubeconfig, "--leader-elect=false"],
      join(dir, "cm.log"),
    );
    await cm.start();

    // 2. apply
    const countPods = async (
      filter: (p: { status?: { conditions?: { type: string; status: string }[] } }) => boolean,
    ) =>
      (
        await api.list<{ status?: { conditions?: { type: string; status: string }[] } }>(
          "/api/v1/namespaces/default/pods",
          { labelSelector: "app=bench" },
        )
      ).items.filter(filter).length;
    const t1 = performance.now();
    await api.create("/apis/apps/v1/namespaces/default/deployments", deployment(replicas, "busybox:1"));
    await until("all pods created", 600_000, async () => (await countPods(() => true)) >= replicas);
    const createdMs = performance.now() - t1;
    const isReady = (p: { status?: { conditions?: { type: string; status: string }[] } }) =>
      p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true;
    await until("all pods Ready", 600_000, async () => (await countPods(isReady)) >= replicas);
    const readyMs = performance.now() - t1;

    // 3. rollout of a new image
    const t2 = performance.now();
    await api.patch(
      "/apis/apps/v1/namespaces/default/deployments/bench",
      { spec: { template: { spec: { containers: [{ name: "c", image: "busybox:2" }] } } } },
      "strategic",
    );
    await until("rollout complete", 900_000, async () => {
      const d = await api.get<Deployment>("/apis/apps/v1/namespaces/default/deployments/bench");
      const s = d.status ?? {};
      return (
        (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) &&
        s.updatedReplicas === replicas &&
        s.availableReplicas === replicas &&
        s.replicas === replicas
      );
    });
    const rolloutMs = performance.now() - t2;

    const rate = (replicas / rawMs) * 1000;
    const line = (label: string, ms: number) =>
      `${label.padEnd(46)} ${(ms / 1000).toFixed(1).padStart(7)} s  ${((replicas / ms) * 1000).toFixed(0).padStart(6)} pods/s  ${(ms / rawMs).toFixed(1).padStart(5)}x raw`;
    process.stdout.write(
      [
        `replicas ${replicas}, ${HOLLOW_NODES} hollow nodes; baseline: raw pod creates, ${IN_FLIGHT} in flight`,
        line("raw creates (baseline)", rawMs),
        line("Deployment applied -> all pods created", createdMs),
        line("Deployment applied -> all pods Ready", readyMs),
        `${"new image -> rollout complete (25%/25%)".padEnd(46)} ${(rolloutMs / 1000).toFixed(1).padStart(7)} s  (${(rolloutMs / rawMs).toFixed(1)}x the raw create time of ${replicas} pods; raw ${rate.toFixed(0)} pods/s)`,
        "",
      ].join("\n"),
    );
  } finally {
    for (const n of nodes) await n.stop();
    await cm?.stop();
    await api.close();
    await apiserver.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
