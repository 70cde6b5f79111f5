/**
 * Docker adapter overhead: per-operation latency through createDockerRuntime against the raw
 * Docker API calls that do the same work, measured in the same run, interleaved, on the same
 * keep-alive transport. Medians over BENCH_RUNS runs (default 20), printed as a table; the
 * overhead is the median of the paired (back-to-back) differences.
 * Target: overhead below max(5%, 2 ms) of the raw call.
 *
 * Run against the environment's dockerd (scripts/runtime-env.sh up):
 *   eval "$(bash scripts/runtime-env.sh env)"
 *   node --experimental-transform-types --no-warnings bench/runtime/docker.bench.ts
 */
import { randomUUID } from "node:crypto";
import { registerHooks } from "node:module";
import type Docker from "dockerode";
import type { ContainerConfig, PodSandboxConfig } from "../../src/runtime/index.js";

// Node runs the TypeScript sources directly; map their ".js" import specifiers to the ".ts" files.
registerHooks({
  resolve(specifier, context, next) {
    try {
      return next(specifier, context);
    } catch (err) {
      if (specifier.startsWith(".") && specifier.endsWith(".js")) {
        return next(`${specifier.slice(0, -".js".length)}.ts`, context);
      }
      throw err;
    }
  },
});

const { createDockerClient, createDockerRuntime } = await import("../../src/runtime/docker/index.js");
const { requireEnv } = await import("../../test/support/env.js");

const RUNS = Number(process.env["BENCH_RUNS"] ?? 20);
const ENDPOINT = requireEnv("DOCKER_ENDPOINT");
const PAUSE_IMAGE = requireEnv("PAUSE_IMAGE");
const TEST_IMAGE = requireEnv("TEST_IMAGE");
/** Marks everything this bench creates, for the cleanup at the end. */
const BENCH_LABEL = "bench.berth.dev/run";
const RUN_ID = randomUUID();

type Op =
  | "sandbox create+start"
  | "container create+start"
  | "list containers"
  | "list sandboxes"
  | "container status"
  | "container stop+remove"
  | "sandbox stop+remove";
const OPS: readonly Op[] = [
  "sandbox create+start",
  "container create+start",
  "container status",
  "list containers",
  "list sandboxes",
  "container stop+remove",
  "sandbox stop+remove",
];

const samples = { adapter: new Map<Op, number[]>(), raw: new Map<Op, number[]>() };

async function time<T>(kind: "adapter" | "raw", op: Op, fn: () => Promise<T>): Promise<T> {
  const t0 = process.hrtime.bigint();
  const value = await fn();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const list = samples[kind].get(op) ?? [];
  list.push(ms);
  samples[kind].set(op, list);
  return value;
}

/** The q-quantile (0..1) by linear interpolation; q = 0.5 is the median. */
function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((x, y) => x - y);
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  const lower = sorted[low] as number;
  const upper = sorted[Math.min(low + 1, sorted.length - 1)] as number;
  return lower + (upper - lower) * (at - low);
}

const median = (values: readonly number[]): number => quantile(values, 0.5);

const runtime = createDockerRuntime({ endpoint: ENDPOINT, podInfraImage: PAUSE_IMAGE });
const { docker, agent } = createDockerClient(ENDPOINT);

function sandboxConfig(i: number): PodSandboxConfig {
  const uid = randomUUID();
  return {
    metadata: { name: `bench-${i}`, namespace: "bench", uid, attempt: 0 },
    hostname: `bench-${i}`,
    logDirectory: `/tmp/berth-bench/${uid}`,
    portMappings: [],
    labels: { [BENCH_LABEL]: RUN_ID, "io.kubernetes.pod.uid": uid },
    annotations: { note: "bench" },
    namespaceOptions: { network: "POD", pid: "CONTAINER", ipc: "POD" },
    sysctls: {},
  };
}

function containerConfig(): ContainerConfig {
  return {
    metadata: { name: "app", attempt: 0 },
    image: { image: TEST_IMAGE },
    command: ["sleep", "3600"],
    args: [],
    envs: [],
    mounts: [],
    labels: { [BENCH_LABEL]: RUN_ID },
    annotations: { note: "bench" },
    logPath: "app/0.log",
  };
}

/** The ids one side of the comparison created in a run. */
interface Side {
  sandbox: string;
  container: string;
}

/**
 * The same work written directly against the Docker API: the calls the adapter's own call comes
 * down to, with equivalent create options.
 */
function rawSandboxOptions(i: number, uid: string): Docker.ContainerCreateOptions {
  return {
    name: `k8s_POD_bench-raw-${i}_bench_${uid}_0`,
    Image: PAUSE_IMAGE,
    Hostname: `bench-raw-${i}`,
    Labels: { [BENCH_LABEL]: RUN_ID, "io.kubernetes.pod.uid": uid, "io.berth.docker/type": "podsandbox" },
    HostConfig: { NetworkMode: "bridge", IpcMode: "shareable", RestartPolicy: { Name: "no" } },
  };
}

function rawContainerOptions(i: number, uid: string, sandbox: string): Docker.ContainerCreateOptions {
  return {
    name: `k8s_app_bench-raw-${i}_bench_${uid}_0`,
    Image: TEST_IMAGE,
    Entrypoint: ["sleep", "3600"],
    Labels: {
      [BENCH_LABEL]: RUN_ID,
      "io.berth.docker/type": "container",
      "io.berth.docker/sandbox-id": sandbox,
    },
    HostConfig: {
      NetworkMode: `container:${sandbox}`,
      IpcMode: `container:${sandbox}`,
      RestartPolicy: { Name: "no" },
      LogConfig: { Type: "json-file", Config: { "max-size": "10m", "max-file": "5" } },
    },
  };
}

const listFilter = (type: string): Docker.ContainerListOptions => ({
  all: true,
  filters: { label: [`io.berth.docker/type=${type}`] },
});

/** Both sides of one operation, back to back, in an order that alternates between runs. */
async function pair(
  i: number,
  op: Op,
  adapter: () => Promise<unknown>,
  raw: () => Promise<unknown>,
): Promise<void> {
  if (i % 2 === 0) {
    await time("adapter", op, adapter);
    await time("raw", op, raw);
  } else {
    await time("raw", op, raw);
    await time("adapter", op, adapter);
  }
}

async function run(i: number): Promise<void> {
  const config = sandboxConfig(i);
  const uid = randomUUID();
  const a: Side = { sandbox: "", container: "" };
  const r: Side = { sandbox: "", container: "" };
  await pair(
    i,
    "sandbox create+start",
    async () => (a.sandbox = await runtime.runPodSandbox(config)),
    async () => {
      const c = await docker.createContainer(rawSandboxOptions(i, uid));
      await c.start();
      r.sandbox = c.id;
    },
  );
  await pair(
    i,
    "container create+start",
    async () => {
      a.container = await runtime.createContainer(a.sandbox, containerConfig(), config);
      await runtime.startContainer(a.container);
    },
    async () => {
      const c = await docker.createContainer(rawContainerOptions(i, uid, r.sandbox));
      await c.start();
      r.container = c.id;
    },
  );
  await pair(
    i,
    "container status",
    () => runtime.containerStatus(a.container),
    () => docker.getContainer(r.container).inspect(),
  );
  await pair(
    i,
    "list containers",
    () => runtime.listContainers(),
    () => docker.listContainers(listFilter("container")),
  );
  await pair(
    i,
    "list sandboxes",
    () => runtime.listPodSandboxes(),
    () => docker.listContainers(listFilter("podsandbox")),
  );
  await pair(
    i,
    "container stop+remove",
    async () => {
      await runtime.stopContainer(a.container, 0);
      await runtime.removeContainer(a.container);
    },
    async () => {
      await docker.getContainer(r.container).stop({ t: 0 });
      await docker.getContainer(r.container).remove({ force: true });
    },
  );
  await pair(
    i,
    "sandbox stop+remove",
    async () => {
      await runtime.stopPodSandbox(a.sandbox);
      await runtime.removePodSandbox(a.sandbox);
    },
    async () => {
      await docker.getContainer(r.sandbox).stop({ t: 0 });
      await docker.getContainer(r.sandbox).remove({ force: true });
    },
  );
}

async function cleanup(): Promise<void> {
  const left = await docker.listContainers({ all: true, filters: { label: [`${BENCH_LABEL}=${RUN_ID}`] } });
  await Promise.all(
    left.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined),
    ),
  );
}

try {
  // One unmeasured round: images in the page cache, connections open.
  await run(-1);
  samples.adapter.clear();
  samples.raw.clear();
  for (let i = 0; i < RUNS; i++) await run(i);
} finally {
  await cleanup();
  await runtime.close();
  agent.destroy();
}

// Overhead is the median of the per-run differences: both sides of a pair ran back to back under
// the same load, which cancels most of the machine's noise (the medians alone drift by +-20%).
const rows = OPS.map((op) => {
  const adapterSamples = samples.adapter.get(op) ?? [];
  const rawSamples = samples.raw.get(op) ?? [];
  const raw = median(rawSamples);
  const overhead = median(adapterSamples.map((ms, i) => ms - (rawSamples[i] ?? ms)));
  const budget = Math.max(raw * 0.05, 2);
  return {
    operation: op,
    "adapter ms": median(adapterSamples).toFixed(2),
    "raw ms": raw.toFixed(2),
    "overhead ms": overhead.toFixed(2),
    "overhead %": raw > 0 ? ((overhead / raw) * 100).toFixed(1) : "-",
    "budget ms": budget.toFixed(2),
    // The spread of the raw call itself: an overhead smaller than this is within the noise.
    "raw IQR ms": (quantile(rawSamples, 0.75) - quantile(rawSamples, 0.25)).toFixed(2),
    within: overhead <= budget ? "yes" : "NO",
  };
});
console.log(`Docker adapter vs raw Docker API, medians of ${RUNS} runs (${ENDPOINT})`);
console.table(rows);
