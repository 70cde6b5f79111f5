/**
 * `berth scheduler` throughput and latency on 100 fake nodes (Node objects only, no agents).
 *
 *   npm run build
 *   node --experimental-transform-types bench/scheduler/throughput.ts [pods] [latency-pods]
 *
 * The API server and the scheduler run as the real processes (dist/cli/main.js). Three numbers,
 * each beside a baseline measured in the same run:
 * 1. throughput: `pods` (default 1,000) pending pods exist when the scheduler starts; pods/s from
 *    its first binding to its last, as a watch sees them. Baseline: the same number of pods bound
 *    by posting pods/binding directly, 16 at a time (what the API server allows without any
 *    scheduling decision).
 * 2. latency: `latency-pods` (default 500) pods created at 50/s while the scheduler runs; p50 and
 *    p99 from the create call returning to the watch showing spec.nodeName. Baseline: from the
 *    create call returning to the watch showing the pod at all.
 * 3. the anchor: kube-scheduler's throughput threshold in its own CI (printed with its source).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { INode, IPod } from "kubernetes-models/v1";
import type { KubeObject } from "../../src/api/index.js";

await import(new URL("../../test/support/ts-hooks.ts", import.meta.url).href);

const { ApiClient, Reflector, resourcePath } = await import("../../src/api/index.js");
const { BerthProcess } = await import("../../test/support/cluster-process.js");

type Client = InstanceType<typeof ApiClient>;

const NODES = 100;
const CONCURRENCY = 16;
const LATENCY_RATE_PER_S = 50;
/**
 * kube-scheduler's anchor: test/integration/scheduler_perf/misc/performance-config.yaml in
 * kubernetes/kubernetes, workload SchedulingBasic/5000Nodes_10000Pods, `threshold: 680`: the
 * lowest average pods/s its ci-benchmark-scheduler-perf job accepts (5,000 nodes, in-process API
 * server, a CI machine larger than this one). No figure is published for 100 nodes.
 */
const KUBE_SCHEDULER_ANCHOR = {
  podsPerSecond: 680,
  source:
    "kubernetes/kubernetes test/integration/scheduler_perf/misc/performance-config.yaml, SchedulingBasic 5000Nodes_10000Pods threshold",
};

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, i)] ?? Number.NaN;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject()));
    });
  });
}

async function inParallel<T>(items: readonly T[], limit: number, each: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await each(items[next++] as T);
    }),
  );
}

async function waitApi(kubeconfig: string): Promise<Client> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const client = await ApiClient.fromKubeconfig(kubeconfig);
      await client.get("/version");
      return client;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

function fakeNode(i: number): INode {
  const name = `fake-${String(i).padStart(3, "0")}`;
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, labels: { "kubernetes.io/hostname": name } },
  };
}

const NODE_STATUS = {
  status: {
    capacity: { cpu: "32", memory: "128Gi", pods: "110" },
    allocatable: { cpu: "32", memory: "128Gi", pods: "110" },
    conditions: [{ type: "Ready", status: "True", reason: "KubeletReady", message: "fake node" }],
  },
};

function benchPod(name: string): IPod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels: { bench: "scheduler" } },
    spec: {
      containers: [
        {
          name: "c",
          image: "registry.k8s.io/pause:3.10",
          resources: { requests: { cpu: "100m", memory: "64Mi" } },
        },
      ],
    },
  };
}

/** Watches a namespace's pods: when each was first seen, and first seen bound. */
function watchPods(client: Client, namespace: string) {
  const seen = new Map<string, number>();
  const bound = new Map<string, number>();
  let waiters: (() => void)[] = [];
  const note = (p: IPod) => {
    const name = p.metadata?.name ?? "";
    const now = performance.now();
    if (!seen.has(name)) seen.set(name, now);
    if (p.spec?.nodeName && !bound.has(name)) bound.set(name, now);
    for (const w of waiters.splice(0)) w();
  };
  const reflector = new Reflector<IPod & KubeObject>({
    client,
    path: resourcePath({ resource: "pods", namespace }),
    handler: { onAdd: note, onUpdate: (_o: IPod, p: IPod) => note(p) },
  });
  reflector.start();
  return {
    seen,
    bound,
    ready: reflector.ready,
    stop: () => reflector.stop(),
    async until(count: number, timeoutMs: number) {
      const deadline = Date.now() + timeoutMs;
      while (bound.size < count) {
        if (Date.now() > deadline) throw new Error(`only ${bound.size} of ${count} pods bound`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 500);
        });
      }
      waiters = [];
    },
  };
}

async function createNamespace(client: Client, name: string): Promise<void> {
  await client.create(resourcePath({ resource: "namespaces" }), {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name },
  });
}

async function createPods(
  client: Client,
  namespace: string,
  count: number,
  prefix: string,
): Promise<string[]> {
  const names = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  await inParallel(names, 32, async (name) => {
    await client.create(resourcePath({ resource: "pods", namespace }), benchPod(name));
  });
  return names;
}

async function main(args: readonly string[]): Promise<void> {
  const pods = Number(args[0] ?? 1000);
  const latencyPods = Number(args[1] ?? 500);
  const dir = await mkdtemp(join(tmpdir(), "berth-bench-sched-"));
  const apiDir = join(dir, "apiserver");
  const port = await freePort();
  const apiserver = new BerthProcess(
    "apiserver",
    ["apiserver", "--data-dir", apiDir, "--listen", `127.0.0.1:${port}`],
    join(dir, "apiserver.log"),
  );
  const kubeconfig = join(apiDir, "admin.kubeconfig");
  const scheduler = new BerthProcess(
    "scheduler",
    ["scheduler", "--kubeconfig", kubeconfig],
    join(dir, "scheduler.log"),
  );
  process.env.BERTH_LOG_LEVEL = "warn";
  await apiserver.start();
  let client: Client | undefined;
  try {
    client = await waitApi(kubeconfig);
    const api = client;
    const nodeNames = Array.from({ length: NODES }, (_, i) => fakeNode(i).metadata?.name ?? "");
    await inParallel(
      Array.from({ length: NODES }, (_, i) => i),
      16,
      async (i) => {
        const node = fakeNode(i);
        await api.create(resourcePath({ resource: "nodes" }), node);
        await api.patch(
          resourcePath({ resource: "nodes", name: node.metadata?.name ?? "", subresource: "status" }),
          NODE_STATUS,
          "merge",
        );
      },
    );
    console.log(`nodes: ${NODES} fake Node objects (32 cpu, 128Gi, 110 pods each)`);

    // 1a. baseline: bind directly
    await createNamespace(api, "bench-raw");
    const raw = await createPods(api, "bench-raw", pods, "raw");
    const rawStart = performance.now();
    let k = 0;
    await inParallel(raw, CONCURRENCY, async (name) => {
      const node = nodeNames[k++ % NODES] ?? "";
      await api.create(
        resourcePath({ resource: "pods", namespace: "bench-raw", name, subresource: "binding" }),
        {
          apiVersion: "v1",
          kind: "Binding",
          metadata: { name },
          target: { kind: "Node", name: node },
        },
      );
    });
    const rawRate = pods / ((performance.now() - rawStart) / 1000);

    // 1b. the scheduler on pods pending before it starts
    await createNamespace(api, "bench-sched");
    const watch = watchPods(api, "bench-sched");
    await watch.ready;
    await createPods(api, "bench-sched", pods, "sched");
    const spawned = performance.now();
    await scheduler.start();
    await watch.until(pods, 300_000);
    const times = [...watch.bound.values()].sort((a, b) => a - b);
    const first = times[0] ?? spawned;
    const last = times[times.length - 1] ?? spawned;
    const rate = (pods - 1) / ((last - first) / 1000);
    await watch.stop();
    console.log(
      `throughput: ${rate.toFixed(0)} pods/s first-to-last binding (${pods} pods, ${NODES} nodes; ` +
        `${((last - spawned) / 1000).toFixed(1)} s from process start, ${((first - spawned) / 1000).toFixed(1)} s of it start-up and leader election)`,
    );
    console.log(
      `  baseline: ${rawRate.toFixed(0)} pods/s posting pods/binding directly, ${CONCURRENCY} at a time (${(rate / rawRate).toFixed(2)}x)`,
    );
    console.log(
      `  kube-scheduler anchor: ${KUBE_SCHEDULER_ANCHOR.podsPerSecond} pods/s (${KUBE_SCHEDULER_ANCHOR.source}) (${(rate / KUBE_SCHEDULER_ANCHOR.podsPerSecond).toFixed(2)}x)`,
    );

    // 2. latency at 50 pods/s
    await createNamespace(api, "bench-latency");
    const lat = watchPods(api, "bench-latency");
    await lat.ready;
    const created = new Map<string, number>();
    const startAt = performance.now();
    const sends: Promise<void>[] = [];
    for (let i = 0; i < latencyPods; i++) {
      const due = startAt + (i * 1000) / LATENCY_RATE_PER_S;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const name = `lat-${i}`;
      sends.push(
        api
          .create(resourcePath({ resource: "pods", namespace: "bench-latency" }), benchPod(name))
          .then(() => {
            created.set(name, performance.now());
          }),
      );
    }
    await Promise.all(sends);
    await lat.until(latencyPods, 120_000);
    const toBind: number[] = [];
    const toSee: number[] = [];
    for (const [name, at] of created) {
      // the watch may see the pod before the create call returns: count that as 0
      toBind.push(Math.max(0, (lat.bound.get(name) ?? Number.NaN) - at));
      toSee.push(Math.max(0, (lat.seen.get(name) ?? Number.NaN) - at));
    }
    toBind.sort((a, b) => a - b);
    toSee.sort((a, b) => a - b);
    await lat.stop();
    console.log(
      `latency at ${LATENCY_RATE_PER_S} pods/s (${latencyPods} pods): creation to binding p50 ${percentile(toBind, 50).toFixed(1)} ms, p99 ${percentile(toBind, 99).toFixed(1)} ms`,
    );
    console.log(
      `  baseline: creation to watch delivery p50 ${percentile(toSee, 50).toFixed(1)} ms, p99 ${percentile(toSee, 99).toFixed(1)} ms`,
    );
  } catch (err) {
    console.error(`bench failed: ${String(err)}\n${await scheduler.tail(20)}\n${await apiserver.tail(20)}`);
    process.exitCode = 1;
  } finally {
    await scheduler.stop();
    await client?.close();
    await apiserver.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main(process.argv.slice(2));
