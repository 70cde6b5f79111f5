/**
 * Docker adapter overhead: per-operation latency through createDockerRuntime against the raw
 * Docker API calls that do the same work, measured in the same run, interleaved, on the same
 * keep-alive transport. Medians over BENCH_RUNS runs (default 20), printed as a table.
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

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

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

async function adapterRun(i: number): Promise<void> {
  const config = sandboxConfig(i);
  const sandbox = await time("adapter", "sandbox create+start", () => runtime.runPodSandbox(config));
  const container = await time("adapter", "container create+start", async () => {
    const id = await runtime.createContainer(sandbox, containerConfig(), config);
    await runtime.startContainer(id);
    return id;
  });
  await time("adapter", "container status", () => runtime.containerStatus(container));
  await time("adapter", "list containers", () => runtime.listContainers());
  await time("adapter", "list sandboxes", () => runtime.listPodSandboxes());
  await time("adapter", "container stop+remove", async () => {
    await runtime.stopContainer(container, 0);
    await runtime.removeContainer(container);
  });
  await time("adapter", "sandbox stop+remove", async () => {
    await runtime.stopPodSandbox(sandbox);
    await runtime.removePodSandbox(sandbox);
  });
}

/** The same work as the adapter does, written directly against the Docker API. */
async function rawRun(i: number): Promise<void> {
  const uid = randomUUID();
  const labels = {
    [BENCH_LABEL]: RUN_ID,
    "io.kubernetes.pod.uid": uid,
    "io.berth.docker/type": "podsandbox",
  };
  const sandbox = await time("raw", "sandbox create+start", async () => {
    const c = await docker.createContainer({
      name: `k8s_POD_bench-raw-${i}_bench_${uid}_0`,
      Image: PAUSE_IMAGE,
      Hostname: `bench-raw-${i}`,
      Labels: labels,
      HostConfig: { NetworkMode: "bridge", IpcMode: "shareable", RestartPolicy: { Name: "no" } },
    });
    await c.start();
    return c;
  });
  const container = await time("raw", "container create+start", async () => {
    const c = await docker.createContainer({
      name: `k8s_app_bench-raw-${i}_bench_${uid}_0`,
      Image: TEST_IMAGE,
      Entrypoint: ["sleep", "3600"],
      Labels: {
        [BENCH_LABEL]: RUN_ID,
        "io.berth.docker/type": "container",
        "io.berth.docker/sandbox-id": sandbox.id,
      },
      HostConfig: {
        NetworkMode: `container:${sandbox.id}`,
        IpcMode: `container:${sandbox.id}`,
        RestartPolicy: { Name: "no" },
        LogConfig: { Type: "json-file", Config: { "max-size": "10m", "max-file": "5" } },
      },
    });
    await c.start();
    return c;
  });
  await time("raw", "container status", () => container.inspect());
  const filters = (type: string): Docker.ContainerListOptions => ({
    all: true,
    filters: { label: [`io.berth.docker/type=${type}`] },
  });
  await time("raw", "list containers", () => docker.listContainers(filters("container")));
  await time("raw", "list sandboxes", () => docker.listContainers(filters("podsandbox")));
  await time("raw", "container stop+remove", async () => {
    await container.stop({ t: 0 });
    await container.remove({ force: true });
  });
  await time("raw", "sandbox stop+remove", async () => {
    await sandbox.stop({ t: 0 });
    await sandbox.remove({ force: true });
  });
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
  // One unmeasured round each: images in the page cache, connections open.
  await adapterRun(-1);
  await rawRun(-1);
  samples.adapter.clear();
  samples.raw.clear();
  for (let i = 0; i < RUNS; i++) {
    // Alternate which goes first, so that neither gains from the other's warm caches.
    if (i % 2 === 0) {
      await adapterRun(i);
      await rawRun(i);
    } else {
      await rawRun(i);
      await adapterRun(i);
    }
  }
} finally {
  await cleanup();
  await runtime.close();
  agent.destroy();
}

const rows = OPS.map((op) => {
  const adapter = median(samples.adapter.get(op) ?? []);
  const raw = median(samples.raw.get(op) ?? []);
  const overhead = adapter - raw;
  const budget = Math.max(raw * 0.05, 2);
  return {
    operation: op,
    "adapter ms": adapter.toFixed(2),
    "raw ms": raw.toFixed(2),
    "overhead ms": overhead.toFixed(2),
    "overhead %": raw > 0 ? ((overhead / raw) * 100).toFixed(1) : "-",
    "budget ms": budget.toFixed(2),
    within: overhead <= budget ? "yes" : "NO",
  };
});
console.log(`Docker adapter vs raw Docker API, medians of ${RUNS} runs (${ENDPOINT})`);
console.table(rows);
