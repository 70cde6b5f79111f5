/**
 * What the relist's reading of a ListContainers answer costs: the reduced decode the agent uses
 * (src/runtime/cri/list-states.ts: ids, states, pod uids) against two full decodes of the same
 * bytes in one process, berth's codec (src/runtime/cri/codec.ts) and proto-loader's, the
 * baseline. The answer holds N containers shaped as the agent
 * creates them (its labels and annotations, 64-character ids). Allocation is sampled by V8's heap
 * profiler with collected objects included; time is the mean over the rounds.
 *
 *   npm run build
 *   node [--jitless] bench/runtime/relist-decode.mjs [containers] [rounds]
 *
 * Run it with --jitless as well, the agent's flag (systemd/berth-agent.env), under which every
 * allocation counts twice: in time and in the garbage the young generation has to sweep. Plain
 * JavaScript on the build, because Node's TypeScript stripping needs WebAssembly, which --jitless
 * turns off.
 */
import * as protoLoader from "@grpc/proto-loader";
import { Session } from "node:inspector";
import console from "node:console";
import { performance } from "node:perf_hooks";
import process from "node:process";
import { decodeMessage } from "../../dist/runtime/cri/codec.js";
import { CRI_PROTO_PATH } from "../../dist/runtime/cri/connection.js";
import { decodeContainerStates } from "../../dist/runtime/cri/list-states.js";
import { loadProtoSchema } from "../../dist/runtime/cri/proto-schema.js";

const CONTAINERS = Number(process.argv[2] ?? 110);
const ROUNDS = Number(process.argv[3] ?? 200);

// The shapes berth's codec gives (src/runtime/cri/proto-reference.test-support.ts).
const definition = protoLoader.loadSync(CRI_PROTO_PATH, {
  keepCase: true,
  longs: BigInt,
  enums: String,
  defaults: true,
  oneofs: true,
});
const listContainers = definition["runtime.v1.RuntimeService"].ListContainers;

const hex = (i, length) => i.toString(16).padStart(length, "0");
const answer = listContainers.responseSerialize({
  containers: Array.from({ length: CONTAINERS }, (_, i) => ({
    id: hex(i, 64),
    pod_sandbox_id: hex(i + 1_000_000, 64),
    metadata: { name: "app", attempt: 0 },
    image: { image: "127.0.0.1:5000/berth/test:1" },
    image_ref: `sha256:${hex(i, 64)}`,
    state: "CONTAINER_RUNNING",
    created_at: "1795320106850730043",
    labels: {
      "io.kubernetes.pod.name": `p-${i}`,
      "io.kubernetes.pod.namespace": "default",
      "io.kubernetes.pod.uid": `${hex(i, 8)}-0000-4000-8000-000000000000`,
      "io.kubernetes.container.name": "app",
      "berth.io/node-name": "node-1",
    },
    annotations: {
      "io.kubernetes.container.hash": "1a2b3c4d",
      "io.kubernetes.container.restartCount": "0",
      "io.kubernetes.container.terminationMessagePath": "/dev/termination-log",
      "io.kubernetes.pod.terminationGracePeriod": "30",
      "io.kubernetes.container.ports": '[{"name":"http","containerPort":8080,"protocol":"TCP"}]',
    },
  })),
});

const session = new Session();
session.connect();
const post = (method, params) =>
  new Promise((resolve, reject) =>
    session.post(method, params, (err, result) => (err ? reject(err) : resolve(result))),
  );

/** Bytes allocated under a node of the sampled profile. */
const allocated = (node) => node.children.reduce((sum, c) => sum + allocated(c), node.selfSize);

/** Allocation (KiB) and time (ms) per decode, over ROUNDS decodes after one to warm up. */
async function measure(decode) {
  decode();
  await post("HeapProfiler.startSampling", {
    samplingInterval: 512,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  const start = performance.now();
  for (let i = 0; i < ROUNDS; i++) decode();
  const ms = (performance.now() - start) / ROUNDS;
  const { profile } = await post("HeapProfiler.stopSampling");
  return { kib: allocated(profile.head) / ROUNDS / 1024, ms };
}

const full = await measure(() => listContainers.responseDeserialize(answer));
const response = loadProtoSchema(CRI_PROTO_PATH)
  .services.get("RuntimeService")
  .get("ListContainers").response;
const codec = await measure(() => decodeMessage(response, answer));
const reduced = await measure(() => decodeContainerStates(answer));
const jitless = process.execArgv.includes("--jitless") ? " --jitless" : "";
console.log(
  `ListContainers answer, ${CONTAINERS} containers, ${answer.length} bytes, ${ROUNDS} rounds${jitless}`,
);
console.log("| decode | allocated per answer | time per answer |");
console.log("|---|---|---|");
for (const [name, r] of [
  ["proto-loader, every field (baseline)", full],
  ["berth's codec, every field", codec],
  ["reduced: id, state, pod uid", reduced],
]) {
  console.log(`| ${name} | ${r.kib.toFixed(1)} KiB | ${r.ms.toFixed(2)} ms |`);
}
session.disconnect();
