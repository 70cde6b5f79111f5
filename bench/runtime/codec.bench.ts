/**
 * berth's CRI codec (src/runtime/cri/codec.ts) against protobufjs through @grpc/proto-loader, the
 * codec the agent does not load, each in a process of its own with the agent's node flags
 * (systemd/berth-agent.env, containerd's line; BERTH_AGENT_NODE_FLAGS overrides), which change
 * the costs: under --jitless nothing is compiled.
 *
 * 1. Time and V8 heap allocated per message, on the messages the agent writes and reads most:
 *    the two codecs alternate in one process, medians of 7 rounds.
 * 2. What each costs to load: a fresh process per codec, its RSS and V8 heap after a full
 *    collection, having loaded grpc-js and the codec and encoded one request; 3 processes each.
 *
 *   npm run build
 *   node --experimental-transform-types bench/runtime/codec.bench.ts [calls per round]
 *
 * The children run the build (dist/), as the agent does.
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

// Node runs this file directly; berth's sources import siblings as "./x.js", which are .ts here.
await import(new URL("../../test/support/ts-hooks.ts", import.meta.url).href);
const { agentNodeFlags } = await import("../../test/support/cluster.js");

const CALLS = Number(process.argv[2] ?? 2000);
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const PROTO = fileURLToPath(new URL("../../proto/runtime/v1/api.proto", import.meta.url));
const dist = (path: string): string => JSON.stringify(new URL(`../../dist/${path}`, import.meta.url).href);
const flags = [...(await agentNodeFlags("containerd")), "--expose-gc"];

const labels = {
  "io.kubernetes.pod.name": "web-7d4b9c6f5d-x2x7k",
  "io.kubernetes.pod.namespace": "default",
  "io.kubernetes.pod.uid": "0b7b9d2e-4f7a-4c55-9a7e-3c1f2d9e8a61",
  "io.kubernetes.container.name": "web",
};
const annotations = {
  "io.kubernetes.container.hash": "3f2a9c1b",
  "io.kubernetes.container.restartCount": "0",
  "io.kubernetes.container.terminationMessagePath": "/dev/termination-log",
  "io.kubernetes.container.terminationMessagePolicy": "File",
};

const createRequest = {
  pod_sandbox_id: "5b0c7e3b9a0d4f1e8c2a6b7d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f",
  config: {
    metadata: { name: "web", attempt: 0 },
    image: { image: "registry.local:5000/busybox:1.36" },
    command: ["/bin/sh", "-c"],
    args: ["httpd -f -p 8080"],
    working_dir: "/",
    envs: [
      { key: "KUBERNETES_SERVICE_HOST", value: "10.96.0.1" },
      { key: "KUBERNETES_SERVICE_PORT", value: "443" },
    ],
    mounts: [
      { container_path: "/dev/termination-log", host_path: "/var/lib/berth/pods/x/term", readonly: false },
    ],
    labels,
    annotations,
    log_path: "web/0.log",
    linux: {
      resources: { cpu_period: 100000, cpu_quota: 50000, cpu_shares: 512, memory_limit_in_bytes: 134217728 },
      security_context: {
        run_as_user: { value: 0 },
        masked_paths: ["/proc/kcore"],
        readonly_paths: ["/proc/sys"],
      },
    },
  },
  sandbox_config: {
    metadata: { name: "web-7d4b9c6f5d-x2x7k", uid: labels["io.kubernetes.pod.uid"], namespace: "default" },
    labels,
  },
};

const statusResponse = {
  status: {
    id: "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d",
    metadata: { name: "web", attempt: 0 },
    state: "CONTAINER_RUNNING",
    created_at: "1795320106850730043",
    started_at: "1795320107850730043",
    image: { image: "registry.local:5000/busybox:1.36" },
    image_ref: "sha256:aaaabbbbccccddddeeeeffff0000111122223333444455556666777788889999",
    labels,
    annotations,
    mounts: [{ container_path: "/dev/termination-log", host_path: "/var/lib/berth/pods/x/term" }],
    log_path: "/var/log/pods/x/web/0.log",
  },
};

/** Runs `script` as an ES module in a child with the agent's flags; its last line of output, parsed. */
function child<T>(script: string): T {
  const out = execFileSync(process.execPath, [...flags, "--input-type=module", "-e", script], {
    cwd: ROOT,
    encoding: "utf8",
  });
  return JSON.parse(out.trim().split("\n").pop() ?? "null") as T;
}

/** berth's schema of the proto, as the agent loads it, and its methods by name. */
const BERTH_METHODS = `
  const { loadProtoSchema } = await import(${dist("runtime/cri/proto-schema.js")});
  const services = [...loadProtoSchema(${JSON.stringify(PROTO)}).services.values()];
  const criMethod = (name) => services.find((s) => s.has(name)).get(name);
`;

const REFERENCE = `
  const protoLoader = await import("@grpc/proto-loader");
  const definition = protoLoader.loadSync(${JSON.stringify(PROTO)}, {
    keepCase: true, longs: BigInt, enums: String, defaults: true, oneofs: true,
  });
  const reference = (name) => definition["runtime.v1.RuntimeService"][name];
`;

const TIMING = `
  const { decodeMessage, encodeMessage } = await import(${dist("runtime/cri/codec.js")});
  ${BERTH_METHODS}
  ${REFERENCE}
  const createRequest = ${JSON.stringify(createRequest)};
  const statusResponse = ${JSON.stringify(statusResponse)};
  const statusBytes = reference("ContainerStatus").responseSerialize(statusResponse);
  const cases = [
    ["encode CreateContainerRequest",
      () => encodeMessage(criMethod("CreateContainer").request, createRequest),
      () => reference("CreateContainer").requestSerialize(createRequest)],
    ["decode ContainerStatusResponse",
      () => decodeMessage(criMethod("ContainerStatus").response, statusBytes),
      () => reference("ContainerStatus").responseDeserialize(statusBytes)],
  ];
  // Time over CALLS calls; allocation over 100, which stay within one young generation (2 MiB),
  // so that no scavenge runs between the two readings of heapUsed.
  const measure = (fn) => {
    gc();
    const heap = process.memoryUsage().heapUsed;
    for (let i = 0; i < 100; i++) fn();
    const bytes = (process.memoryUsage().heapUsed - heap) / 100;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < ${CALLS}; i++) fn();
    return { us: Number(process.hrtime.bigint() - t0) / 1000 / ${CALLS}, bytes };
  };
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const rows = [];
  for (const [name, ours, theirs] of cases) {
    for (let i = 0; i < 200; i++) { ours(); theirs(); }
    const o = [], t = [];
    for (let round = 0; round < 7; round++) { o.push(measure(ours)); t.push(measure(theirs)); }
    rows.push({ name,
      ours: { us: median(o.map((m) => m.us)), bytes: median(o.map((m) => m.bytes)) },
      theirs: { us: median(t.map((m) => m.us)), bytes: median(t.map((m) => m.bytes)) } });
  }
  console.log(JSON.stringify(rows));
`;

interface Row {
  name: string;
  ours: { us: number; bytes: number };
  theirs: { us: number; bytes: number };
}

console.log(`node ${process.version} ${flags.join(" ")}; ${CALLS} calls a round, 7 rounds, medians`);
console.log(
  "| message | berth's codec | protobufjs | berth's codec: heap / call | protobufjs: heap / call |",
);
console.log("|---|---|---|---|---|");
for (const row of child<Row[]>(TIMING)) {
  console.log(
    `| ${row.name} | ${row.ours.us.toFixed(1)} µs | ${row.theirs.us.toFixed(1)} µs | ` +
      `${row.ours.bytes.toFixed(0)} B | ${row.theirs.bytes.toFixed(0)} B |`,
  );
}

const LOAD = {
  berth: `
    await import("@grpc/grpc-js");
    await import(${dist("runtime/cri/connection.js")});
    const { encodeMessage } = await import(${dist("runtime/cri/codec.js")});
    ${BERTH_METHODS}
    encodeMessage(criMethod("Version").request, { version: "v1" });
  `,
  protobufjs: `
    const grpc = await import("@grpc/grpc-js");
    ${REFERENCE}
    grpc.loadPackageDefinition(definition);
    reference("Version").requestSerialize({ version: "v1" });
  `,
};
const MEASURE = `gc(); gc(); const m = process.memoryUsage(); console.log(JSON.stringify({ rss: m.rss, heap: m.heapUsed }));`;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const MiB = (n: number): string => (n / 1048576).toFixed(1);
const loads = {
  berth: { rss: [] as number[], heap: [] as number[] },
  protobufjs: { rss: [] as number[], heap: [] as number[] },
};
for (let round = 0; round < 3; round++) {
  for (const which of ["berth", "protobufjs"] as const) {
    const m = child<{ rss: number; heap: number }>(LOAD[which] + MEASURE);
    loads[which].rss.push(m.rss);
    loads[which].heap.push(m.heap);
  }
}
console.log("\n| loaded with grpc-js, one request encoded | RSS (median of 3 processes) | V8 heap used |");
console.log("|---|---|---|");
console.log(
  `| berth's codec and proto schema | ${MiB(median(loads.berth.rss))} MiB | ${MiB(median(loads.berth.heap))} MiB |`,
);
console.log(
  `| proto-loader and protobufjs | ${MiB(median(loads.protobufjs.rss))} MiB | ${MiB(median(loads.protobufjs.heap))} MiB |`,
);
