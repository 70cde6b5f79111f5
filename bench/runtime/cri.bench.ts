/**
 * Overhead of the CRI adapter: per-operation latency through createCriRuntime against the same
 * runtime.v1 call made with a bare gRPC client.
 *
 *   eval "$(bash scripts/runtime-env.sh up)"
 *   node --experimental-transform-types bench/runtime/cri.bench.ts [runs]
 *
 * Two tables:
 * 1. containerd at CONTAINERD_ENDPOINT: sandbox run/stop/remove, create+start, lists; raw and
 *    adapter interleaved in one run, medians over `runs` (20) iterations and the median of the
 *    paired differences (robust when the daemon's own latency swings by tens of ms).
 * 2. an in-process runtime.v1 server that answers at once: the adapter's own cost (conversions,
 *    bigint times, error wrapping, extra calls), free of daemon noise, over 50x more iterations.
 * Target: overhead < max(5% of raw, 2 ms) for every operation.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import type { ContainerRuntime } from "../../src/runtime/runtime.js";
import type { ContainerConfig, PodSandboxConfig } from "../../src/runtime/types.js";

// Node runs this file directly; berth's sources import siblings as "./x.js", which are .ts here.
await import(new URL("../../test/support/ts-hooks.ts", import.meta.url).href);

const { createCriRuntime, CRI_PROTO_PATH } = await import("../../src/runtime/cri/index.js");

function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: eval "$(bash scripts/runtime-env.sh up)" first`);
  return value;
}

const RUNS = Number(process.argv[2] ?? 20);
const endpoint = requireEnv("CONTAINERD_ENDPOINT");
const testImage = requireEnv("TEST_IMAGE");

const definition = protoLoader.loadSync(CRI_PROTO_PATH, {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
});
const pkg = grpc.loadPackageDefinition(definition) as unknown as {
  runtime: { v1: { RuntimeService: grpc.ServiceClientConstructor } };
};

type RawCall = <T>(method: string, request: object) => Promise<T>;

function bareClient(target: string): { call: RawCall; close: () => void } {
  const client = new pkg.runtime.v1.RuntimeService(target, grpc.credentials.createInsecure(), {
    "grpc.max_receive_message_length": 16 * 1024 * 1024,
  });
  const call: RawCall = <T>(method: string, request: object) => {
    const fn = client[method] as (
      req: object,
      options: grpc.CallOptions,
      cb: (err: grpc.ServiceError | null, res: T) => void,
    ) => void;
    return new Promise<T>((resolve, reject) =>
      fn.call(client, request, { deadline: Date.now() + 120_000 }, (err, res) =>
        err ? reject(err) : resolve(res),
      ),
    );
  };
  return { call, close: () => client.close() };
}

// ---- configs ------------------------------------------------------------------------------------

const logRoot = await mkdtemp(join(tmpdir(), "berth-cri-bench-"));
let serial = 0;

function sandboxConfig(kind: string): PodSandboxConfig {
  const n = serial++;
  const name = `bench-${kind}-${n}`;
  return {
    metadata: { name, uid: `bench-${process.pid}-${kind}-${n}`, namespace: "berth-bench", attempt: 0 },
    hostname: name,
    logDirectory: join(logRoot, name),
    portMappings: [],
    labels: { "bench.berth.dev/run": String(process.pid) },
    annotations: {},
    namespaceOptions: { network: "POD", pid: "CONTAINER", ipc: "POD" },
    sysctls: {},
  };
}

function containerConfig(): ContainerConfig {
  return {
    metadata: { name: "app", attempt: 0 },
    image: { image: testImage },
    command: ["sleep", "3600"],
    args: [],
    envs: [{ key: "A", value: "b" }],
    mounts: [],
    labels: {},
    annotations: {},
    logPath: "app/0.log",
  };
}

/** The wire request the adapter sends, built here by hand for the bare client. */
function wireSandbox(c: PodSandboxConfig): object {
  return {
    metadata: { ...c.metadata },
    hostname: c.hostname,
    log_directory: c.logDirectory,
    port_mappings: [],
    labels: { ...c.labels },
    annotations: {},
    linux: {
      cgroup_parent: "",
      security_context: {
        namespace_options: { network: "POD", pid: "CONTAINER", ipc: "POD" },
        privileged: false,
      },
      sysctls: {},
    },
  };
}

function wireContainer(c: ContainerConfig): object {
  return {
    metadata: { ...c.metadata },
    image: { image: c.image.image },
    command: [...c.command],
    args: [],
    envs: [{ key: "A", value: "b" }],
    mounts: [],
    labels: {},
    annotations: {},
    log_path: c.logPath,
    linux: {
      resources: {},
      security_context: { namespace_options: { network: "POD", pid: "CONTAINER", ipc: "POD" } },
    },
  };
}

// ---- measurement ---------------------------------------------------------------------------------

const OPS = [
  "RunPodSandbox",
  "CreateContainer+StartContainer",
  "ListPodSandbox",
  "ListContainers",
  "StopPodSandbox",
  "RemovePodSandbox",
] as const;
type Op = (typeof OPS)[number];
type Side = "raw" | "adapter";
type Samples = Record<Side, Record<Op, number[]>>;

function emptySamples(): Samples {
  const make = (): Record<Op, number[]> =>
    Object.fromEntries(OPS.map((o) => [o, []])) as unknown as Record<Op, number[]>;
  return { raw: make(), adapter: make() };
}

async function timed<T>(samples: Samples, side: Side, op: Op, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const result = await fn();
  samples[side][op].push(performance.now() - t0);
  return result;
}

async function rawIteration(s: Samples, call: RawCall): Promise<void> {
  const sb = sandboxConfig("raw");
  const { pod_sandbox_id: id } = await timed(s, "raw", "RunPodSandbox", () =>
    call<{ pod_sandbox_id: string }>("RunPodSandbox", { config: wireSandbox(sb) }),
  );
  const cc = containerConfig();
  await timed(s, "raw", "CreateContainer+StartContainer", async () => {
    const { container_id } = await call<{ container_id: string }>("CreateContainer", {
      pod_sandbox_id: id,
      config: wireContainer(cc),
      sandbox_config: wireSandbox(sb),
    });
    await call("StartContainer", { container_id });
  });
  await timed(s, "raw", "ListPodSandbox", () => call("ListPodSandbox", {}));
  await timed(s, "raw", "ListContainers", () => call("ListContainers", {}));
  await timed(s, "raw", "StopPodSandbox", () => call("StopPodSandbox", { pod_sandbox_id: id }));
  await timed(s, "raw", "RemovePodSandbox", () => call("RemovePodSandbox", { pod_sandbox_id: id }));
}

async function adapterIteration(s: Samples, rt: ContainerRuntime): Promise<void> {
  const sb = sandboxConfig("adapter");
  const id = await timed(s, "adapter", "RunPodSandbox", () => rt.runPodSandbox(sb));
  await timed(s, "adapter", "CreateContainer+StartContainer", async () => {
    const cid = await rt.createContainer(id, containerConfig(), sb);
    await rt.startContainer(cid);
  });
  await timed(s, "adapter", "ListPodSandbox", () => rt.listPodSandboxes());
  await timed(s, "adapter", "ListContainers", () => rt.listContainers());
  await timed(s, "adapter", "StopPodSandbox", () => rt.stopPodSandbox(id));
  await timed(s, "adapter", "RemovePodSandbox", () => rt.removePodSandbox(id));
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** Runs `runs` interleaved iterations (plus one warm-up of each side) and tabulates them. */
async function compare(
  title: string,
  runs: number,
  call: RawCall,
  rt: ContainerRuntime,
  unit: "ms" | "µs",
): Promise<void> {
  let s = emptySamples();
  await rawIteration(s, call);
  await adapterIteration(s, rt);
  s = emptySamples();
  for (let i = 0; i < runs; i++) {
    // Alternate which side goes first so that drift affects both equally.
    if (i % 2 === 0) {
      await rawIteration(s, call);
      await adapterIteration(s, rt);
    } else {
      await adapterIteration(s, rt);
      await rawIteration(s, call);
    }
  }
  const scale = unit === "ms" ? 1 : 1000;
  const fmt = (ms: number): string => (ms * scale).toFixed(unit === "ms" ? 2 : 0);
  const rows = OPS.map((op) => {
    const r = median(s.raw[op]);
    const a = median(s.adapter[op]);
    const paired = median(s.adapter[op].map((v, i) => v - (s.raw[op][i] ?? v)));
    const budget = Math.max(0.05 * r, 2);
    return {
      operation: op,
      [`raw ${unit}`]: fmt(r),
      [`adapter ${unit}`]: fmt(a),
      [`overhead ${unit}`]: fmt(a - r),
      [`paired diff ${unit}`]: fmt(paired),
      "overhead %": (((a - r) / r) * 100).toFixed(1),
      "budget ms": budget.toFixed(2),
      ok: paired < budget ? "yes" : "NO",
    };
  });
  console.log(`\n${title}: medians of ${runs} interleaved runs`);
  console.table(rows);
}

// ---- an instant in-process runtime.v1 server -------------------------------------------------------

async function instantServer(socket: string): Promise<grpc.Server> {
  const now = String(BigInt(Date.now()) * 1_000_000n);
  const sandboxes = Array.from({ length: 30 }, (_, i) => ({
    id: `s${i}`.padEnd(64, "0"),
    metadata: { name: `pod-${i}`, uid: `uid-${i}`, namespace: "default", attempt: 0 },
    state: "SANDBOX_READY",
    created_at: now,
    labels: { "io.kubernetes.pod.name": `pod-${i}`, "io.kubernetes.pod.namespace": "default" },
    annotations: { "kubernetes.io/config.seen": now },
  }));
  const containers = sandboxes.map((sb, i) => ({
    id: `c${i}`.padEnd(64, "0"),
    pod_sandbox_id: sb.id,
    metadata: { name: "app", attempt: 0 },
    image: { image: testImage },
    image_ref: "sha256:".padEnd(71, "a"),
    state: "CONTAINER_RUNNING",
    created_at: now,
    labels: { ...sb.labels, "io.kubernetes.container.name": "app" },
    annotations: { "io.kubernetes.container.hash": "3f2a9c1b" },
  }));
  const answer =
    (response: object) =>
    (_call: unknown, cb: grpc.sendUnaryData<object>): void =>
      cb(null, response);
  const server = new grpc.Server();
  server.addService(pkg.runtime.v1.RuntimeService.service, {
    RunPodSandbox: answer({ pod_sandbox_id: "s".padEnd(64, "1") }),
    CreateContainer: answer({ container_id: "c".padEnd(64, "1") }),
    StartContainer: answer({}),
    StopPodSandbox: answer({}),
    RemovePodSandbox: answer({}),
    ListPodSandbox: answer({ items: sandboxes }),
    ListContainers: answer({ containers }),
  });
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`unix://${socket}`, grpc.ServerCredentials.createInsecure(), (err) =>
      err ? reject(err) : resolve(),
    ),
  );
  return server;
}

// ---- main ------------------------------------------------------------------------------------------

const containerd = bareClient(endpoint);
const rt = createCriRuntime({ endpoint });
const socket = join(logRoot, "instant.sock");
let server: grpc.Server | undefined;
let instant: ReturnType<typeof bareClient> | undefined;
let instantRt: ContainerRuntime | undefined;
try {
  await rt.pullImage(testImage);
  await compare(`containerd (${endpoint})`, RUNS, containerd.call, rt, "ms");
  server = await instantServer(socket);
  instant = bareClient(`unix://${socket}`);
  instantRt = createCriRuntime({ endpoint: `unix://${socket}` });
  await compare(
    "instant in-process runtime.v1 server (adapter's own cost; lists hold 30 pods)",
    RUNS * 50,
    instant.call,
    instantRt,
    "µs",
  );
} finally {
  await rt.close();
  containerd.close();
  await instantRt?.close();
  instant?.close();
  server?.forceShutdown();
  await rm(logRoot, { recursive: true, force: true });
}
