/**
 * Adapter overhead of the CRI runtime: per-operation latency through createCriRuntime against
 * the same runtime.v1 call made with a bare gRPC client, interleaved in one run so both see the
 * same machine state. Prints medians over RUNS iterations as a table.
 *
 *   eval "$(bash scripts/runtime-env.sh up)"
 *   node --experimental-transform-types bench/runtime/cri.bench.ts [runs]
 *
 * Target: adapter median - raw median < max(5% of raw, 2 ms) for every operation.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { registerHooks } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import type { ContainerConfig, PodSandboxConfig } from "../../src/runtime/types.js";

// Node runs this file directly; berth's sources import siblings as "./x.js", which are .ts here.
registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (err) {
      if (specifier.startsWith(".") && specifier.endsWith(".js")) {
        return nextResolve(`${specifier.slice(0, -3)}.ts`, context);
      }
      throw err;
    }
  },
});

const { createCriRuntime, CRI_PROTO_PATH } = await import("../../src/runtime/cri/index.js");

function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: eval "$(bash scripts/runtime-env.sh up)" first`);
  return value;
}

const RUNS = Number(process.argv[2] ?? 20);
const endpoint = requireEnv("CONTAINERD_ENDPOINT");
const testImage = requireEnv("TEST_IMAGE");

// ---- the bare client ----------------------------------------------------------------------------

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
const raw = new pkg.runtime.v1.RuntimeService(endpoint, grpc.credentials.createInsecure(), {
  "grpc.max_receive_message_length": 16 * 1024 * 1024,
});

function rawCall<T>(method: string, request: object): Promise<T> {
  const fn = raw[method] as (
    req: object,
    options: grpc.CallOptions,
    cb: (err: grpc.ServiceError | null, res: T) => void,
  ) => void;
  return new Promise((resolve, reject) =>
    fn.call(raw, request, { deadline: Date.now() + 120_000 }, (err, res) =>
      err ? reject(err) : resolve(res),
    ),
  );
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
const samples: Record<"raw" | "adapter", Record<Op, number[]>> = {
  raw: Object.fromEntries(OPS.map((o) => [o, []])) as unknown as Record<Op, number[]>,
  adapter: Object.fromEntries(OPS.map((o) => [o, []])) as unknown as Record<Op, number[]>,
};

async function timed<T>(side: "raw" | "adapter", op: Op, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const result = await fn();
  samples[side][op].push(performance.now() - t0);
  return result;
}

const rt = createCriRuntime({ endpoint });
await rt.pullImage(testImage);

async function rawIteration(): Promise<void> {
  const sb = sandboxConfig("raw");
  const { pod_sandbox_id: id } = await timed("raw", "RunPodSandbox", () =>
    rawCall<{ pod_sandbox_id: string }>("RunPodSandbox", { config: wireSandbox(sb) }),
  );
  const cc = containerConfig();
  await timed("raw", "CreateContainer+StartContainer", async () => {
    const { container_id } = await rawCall<{ container_id: string }>("CreateContainer", {
      pod_sandbox_id: id,
      config: wireContainer(cc),
      sandbox_config: wireSandbox(sb),
    });
    await rawCall("StartContainer", { container_id });
  });
  await timed("raw", "ListPodSandbox", () => rawCall("ListPodSandbox", {}));
  await timed("raw", "ListContainers", () => rawCall("ListContainers", {}));
  await timed("raw", "StopPodSandbox", () => rawCall("StopPodSandbox", { pod_sandbox_id: id }));
  await timed("raw", "RemovePodSandbox", () => rawCall("RemovePodSandbox", { pod_sandbox_id: id }));
}

async function adapterIteration(): Promise<void> {
  const sb = sandboxConfig("adapter");
  const id = await timed("adapter", "RunPodSandbox", () => rt.runPodSandbox(sb));
  await timed("adapter", "CreateContainer+StartContainer", async () => {
    const cid = await rt.createContainer(id, containerConfig(), sb);
    await rt.startContainer(cid);
  });
  await timed("adapter", "ListPodSandbox", () => rt.listPodSandboxes());
  await timed("adapter", "ListContainers", () => rt.listContainers());
  await timed("adapter", "StopPodSandbox", () => rt.stopPodSandbox(id));
  await timed("adapter", "RemovePodSandbox", () => rt.removePodSandbox(id));
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

try {
  // One warm-up of each, not counted.
  await rawIteration();
  await adapterIteration();
  for (const side of ["raw", "adapter"] as const) for (const op of OPS) samples[side][op].length = 0;
  for (let i = 0; i < RUNS; i++) {
    // Alternate which side goes first so that drift affects both equally.
    if (i % 2 === 0) {
      await rawIteration();
      await adapterIteration();
    } else {
      await adapterIteration();
      await rawIteration();
    }
  }
  const rows = OPS.map((op) => {
    const r = median(samples.raw[op]);
    const a = median(samples.adapter[op]);
    const overhead = a - r;
    const budget = Math.max(0.05 * r, 2);
    return {
      operation: op,
      "raw ms": r.toFixed(2),
      "adapter ms": a.toFixed(2),
      "overhead ms": overhead.toFixed(2),
      "overhead %": ((overhead / r) * 100).toFixed(1),
      "budget ms": budget.toFixed(2),
      ok: overhead < budget ? "yes" : "NO",
    };
  });
  console.log(`CRI adapter vs bare gRPC, medians of ${RUNS} interleaved runs (${endpoint})`);
  console.table(rows);
} finally {
  await rt.close();
  raw.close();
  await rm(logRoot, { recursive: true, force: true });
}
