/**
 * Docker adapter overhead: per-operation latency through createDockerRuntime against the raw
 * Docker API calls that do the same work, in the same run, on the same keep-alive transport.
 * Each operation runs on both sides back to back, in an order that alternates between runs; the
 * overhead is the median of those paired differences. Two tables:
 *   1. against the real dockerd (DOCKER_ENDPOINT), where the daemon's own latency and the
 *      machine's noise dominate (see "raw IQR": an overhead below it is within the noise);
 *   2. against an in-process stand-in for the Engine API that answers at once, which isolates
 *      the adapter's own cost (its extra round trips and its JavaScript).
 * Target: overhead below max(5% of raw, 2 ms) for every operation.
 *
 *   eval "$(bash scripts/runtime-env.sh env)"
 *   node --experimental-transform-types --no-warnings bench/runtime/docker.bench.ts [runs]
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type Docker from "dockerode";
import type { ContainerConfig, ContainerRuntime, PodSandboxConfig } from "../../src/runtime/index.js";

// Node runs the TypeScript sources directly; map their ".js" import specifiers to the ".ts" files.
await import(new URL("../../test/support/ts-hooks.ts", import.meta.url).href);

const { createDockerClient, createDockerRuntime } = await import("../../src/runtime/docker/index.js");
const { requireEnv } = await import("../../test/support/env.js");

const RUNS = Number(process.argv[2] ?? process.env["BENCH_RUNS"] ?? 20);
const ENDPOINT = requireEnv("DOCKER_ENDPOINT");
const PAUSE_IMAGE = requireEnv("PAUSE_IMAGE");
const TEST_IMAGE = requireEnv("TEST_IMAGE");
/** Marks everything this bench creates, for the cleanup at the end. */
const BENCH_LABEL = "bench.berth.dev/run";
const RUN_ID = randomUUID();
/** The adapter's own bookkeeping labels, for raw containers that look the same to a list. */
const TYPE_LABEL = "io.berth.docker/type";
const SANDBOX_LABEL = "io.berth.docker/sandbox-id";

const OPS = [
  "sandbox create+start",
  "container create+start",
  "container status",
  "list containers",
  "list sandboxes",
  "container stop+remove",
  "sandbox stop+remove",
] as const;
type Op = (typeof OPS)[number];
type Samples = Record<"adapter" | "raw", Map<Op, number[]>>;

interface Target {
  readonly runtime: ContainerRuntime;
  readonly docker: Docker;
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

/** The same work written directly against the Docker API, with equivalent create options. */
function rawSandboxOptions(i: number, uid: string): Docker.ContainerCreateOptions {
  return {
    name: `k8s_POD_bench-raw-${i}_bench_${uid}_0`,
    Image: PAUSE_IMAGE,
    Hostname: `bench-raw-${i}`,
    Labels: { [BENCH_LABEL]: RUN_ID, "io.kubernetes.pod.uid": uid, [TYPE_LABEL]: "podsandbox" },
    HostConfig: { NetworkMode: "bridge", IpcMode: "shareable", RestartPolicy: { Name: "no" } },
  };
}

function rawContainerOptions(i: number, uid: string, sandbox: string): Docker.ContainerCreateOptions {
  return {
    name: `k8s_app_bench-raw-${i}_bench_${uid}_0`,
    Image: TEST_IMAGE,
    Entrypoint: ["sleep", "3600"],
    Labels: { [BENCH_LABEL]: RUN_ID, [TYPE_LABEL]: "container", [SANDBOX_LABEL]: sandbox },
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
  filters: { label: [`${TYPE_LABEL}=${type}`] },
});

async function measure({ runtime, docker }: Target, runs: number): Promise<Samples> {
  const samples: Samples = { adapter: new Map(), raw: new Map() };
  const time = async (kind: "adapter" | "raw", op: Op, fn: () => Promise<unknown>): Promise<void> => {
    const t0 = process.hrtime.bigint();
    await fn();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    samples[kind].set(op, [...(samples[kind].get(op) ?? []), ms]);
  };
  /** Both sides of one operation, back to back, in an order that alternates between runs. */
  const pair = async (i: number, op: Op, adapter: () => Promise<unknown>, raw: () => Promise<unknown>) => {
    if (i % 2 === 0) {
      await time("adapter", op, adapter);
      await time("raw", op, raw);
    } else {
      await time("raw", op, raw);
      await time("adapter", op, adapter);
    }
  };

  const run = async (i: number): Promise<void> => {
    const config = sandboxConfig(i);
    const uid = randomUUID();
    const a = { sandbox: "", container: "" };
    const r = { sandbox: "", container: "" };
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
  };

  // One unmeasured round: images in the page cache, connections open.
  await run(-1);
  samples.adapter.clear();
  samples.raw.clear();
  for (let i = 0; i < runs; i++) await run(i);
  return samples;
}

function table(title: string, samples: Samples): void {
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
      within: overhead <= budget ? "yes" : "NO",
      "raw IQR ms": (quantile(rawSamples, 0.75) - quantile(rawSamples, 0.25)).toFixed(2),
    };
  });
  console.log(title);
  console.table(rows);
}

/**
 * An Engine API stand-in on a unix socket: keeps containers in a map and answers the calls the
 * bench makes at once, with the shapes dockerd gives (enough for the adapter's conversions).
 */
async function startStandIn(socket: string): Promise<() => Promise<void>> {
  interface Entry {
    id: string;
    name: string;
    image: string;
    labels: Record<string, string>;
    state: string;
    created: string;
  }
  const containers = new Map<string, Entry>();
  const summary = (c: Entry) => ({
    Id: c.id,
    Names: [`/${c.name}`],
    Image: c.image,
    ImageID: "sha256:standin",
    Created: Math.floor(Date.parse(c.created) / 1000),
    State: c.state,
    Labels: c.labels,
  });
  const inspect = (c: Entry) => ({
    Id: c.id,
    Name: `/${c.name}`,
    Created: c.created,
    Image: "sha256:standin",
    State: {
      Status: c.state,
      OOMKilled: false,
      ExitCode: c.state === "exited" ? 137 : 0,
      Error: "",
      StartedAt: c.state === "created" ? "0001-01-01T00:00:00Z" : c.created,
      FinishedAt: c.state === "exited" ? new Date().toISOString() : "0001-01-01T00:00:00Z",
    },
    Config: { Image: c.image, Labels: c.labels },
    Mounts: [],
    NetworkSettings: { IPAddress: "10.0.0.2", Networks: { bridge: { IPAddress: "10.0.0.2" } } },
  });
  const matches = (c: Entry, filters: { label?: string[] }) =>
    (filters.label ?? []).every((f) => {
      const [k, v] = f.split("=", 2) as [string, string | undefined];
      return v === undefined ? k in c.labels : c.labels[k] === v;
    });

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://standin");
      const reply = (status: number, json?: unknown): void => {
        res.writeHead(status, { "Content-Type": "application/json" });
        res.end(json === undefined ? "" : JSON.stringify(json));
      };
      const parts = url.pathname.split("/").filter(Boolean);
      if (req.method === "POST" && url.pathname === "/containers/create") {
        const options = JSON.parse(body) as { Image: string; Labels?: Record<string, string> };
        const id = randomUUID().replaceAll("-", "") + randomUUID().replaceAll("-", "");
        const name = url.searchParams.get("name") ?? id;
        if ([...containers.values()].some((c) => c.name === name))
          return reply(409, { message: "name in use" });
        containers.set(id, {
          id,
          name,
          image: options.Image,
          labels: options.Labels ?? {},
          state: "created",
          created: new Date().toISOString(),
        });
        return reply(201, { Id: id, Warnings: [] });
      }
      if (req.method === "GET" && url.pathname === "/containers/json") {
        const filters = JSON.parse(url.searchParams.get("filters") ?? "{}") as { label?: string[] };
        return reply(200, [...containers.values()].filter((c) => matches(c, filters)).map(summary));
      }
      const entry = parts[0] === "containers" && parts[1] ? containers.get(parts[1]) : undefined;
      if (!entry) return reply(404, { message: `No such container: ${parts[1] ?? ""}` });
      if (req.method === "GET" && parts[2] === "json") return reply(200, inspect(entry));
      if (req.method === "POST" && parts[2] === "start") {
        entry.state = "running";
        return reply(204);
      }
      if (req.method === "POST" && parts[2] === "stop") {
        if (entry.state !== "running") return reply(304);
        entry.state = "exited";
        return reply(204);
      }
      if (req.method === "DELETE" && parts.length === 2) {
        containers.delete(entry.id);
        return reply(204);
      }
      return reply(404, { message: `stand-in: no route ${req.method} ${url.pathname}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}

async function cleanup(docker: Docker): Promise<void> {
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

// 1. The real daemon.
{
  const runtime = createDockerRuntime({ endpoint: ENDPOINT, podInfraImage: PAUSE_IMAGE });
  const { docker, agent } = createDockerClient(ENDPOINT);
  try {
    table(
      `Docker adapter vs raw Docker API on ${ENDPOINT}, medians of ${RUNS} runs`,
      await measure({ runtime, docker }, RUNS),
    );
  } finally {
    await cleanup(docker);
    await runtime.close();
    agent.destroy();
  }
}

// 2. The instant stand-in: the adapter's own cost.
{
  const dir = await mkdtemp(join(tmpdir(), "berth-docker-bench-"));
  const endpoint = `unix://${join(dir, "standin.sock")}`;
  const stop = await startStandIn(join(dir, "standin.sock"));
  const runtime = createDockerRuntime({ endpoint, podInfraImage: PAUSE_IMAGE });
  const { docker, agent } = createDockerClient(endpoint);
  try {
    const runs = Math.max(RUNS, 200);
    table(
      `Docker adapter vs raw calls on an instant in-process Engine API stand-in, medians of ${runs} runs`,
      await measure({ runtime, docker }, runs),
    );
  } finally {
    await runtime.close();
    agent.destroy();
    await stop();
    await rm(dir, { recursive: true, force: true });
  }
}
