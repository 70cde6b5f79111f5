/**
 * The agent's memory with the in-memory FakeRuntime: RSS and heap after start and with N pods
 * running (default 110, maxPods). The API server runs in a child process (rss-apiserver.ts), so
 * the numbers are this process's: the agent and the fake runtime's state.
 *
 *   node --experimental-transform-types --expose-gc bench/agent/rss-fake.ts [pods] [snapshot-dir]
 *
 * With snapshot-dir, writes start.heapsnapshot and pods.heapsnapshot there. Extra node flags (as
 * the CLI would set them) go before the script name.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { writeHeapSnapshot } from "node:v8";
import type { IPod } from "kubernetes-models/v1";

await import(new URL("../../test/support/ts-hooks.ts", import.meta.url).href);
const PODS = Number(process.argv[2] ?? 110);
const SNAPSHOTS = process.argv[3];
const NODE = "rss-node";
const MIB = 1024 * 1024;

function sample(label: string): void {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  const f = (n: number) => (n / MIB).toFixed(1);
  console.log(
    `${label.padEnd(22)} rss ${f(m.rss)} MiB  heapUsed ${f(m.heapUsed)}  heapTotal ${f(m.heapTotal)}  external ${f(m.external)}  arrayBuffers ${f(m.arrayBuffers)}`,
  );
}

const child = spawn(
  process.execPath,
  [
    "--experimental-transform-types",
    "--no-warnings",
    new URL("rss-apiserver.ts", import.meta.url).pathname,
    NODE,
  ],
  { stdio: ["pipe", "pipe", "inherit"] },
);
const replies = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
async function reply(): Promise<Record<string, unknown>> {
  const next = await replies.next();
  if (next.done === true) throw new Error("API server child exited");
  return JSON.parse(next.value) as Record<string, unknown>;
}
const { kubeconfig } = (await reply()) as { kubeconfig: string };

sample("before imports");
const { Agent } = await import("../../src/agent/index.js");
const { silentLogger } = await import("../../src/common/index.js");
const { resolveAgentConfig } = await import("../../src/config/index.js");
const { FakeRuntime } = await import("../../src/runtime/fake/index.js");
sample("after imports");

const GI = 1024 ** 3;
const dir = await mkdtemp(join(tmpdir(), "berth-rss-agent-"));
const config = resolveAgentConfig({
  flags: { kubeconfig, nodeName: NODE, rootDir: dir },
  fileText: 'maxPods: 110\nresolvConf: ""\n',
});
const uids = new Set<string>();
const agent = new Agent({
  config,
  logger: silentLogger(),
  runtime: new FakeRuntime({ pullAny: true }),
  capacitySource: {
    machineInfo: async () => ({
      cpuCores: 64,
      memoryBytes: 256 * GI,
      ephemeralStorageBytes: 500 * GI,
      machineID: "0123456789abcdef0123456789abcdef",
      systemUUID: "4c4c4544-0000-1010-8000-b2c04f4e3332",
      bootID: "b3c1a2f0-0000-4000-8000-000000000001",
      kernelVersion: "6.1.0-bench",
      osImage: "Debian GNU/Linux 12 (bookworm)",
      architecture: "amd64",
      defaultAddress: "10.9.8.7",
    }),
    measure: async () => ({
      memoryAvailableBytes: 200 * GI,
      fsCapacityBytes: 500 * GI,
      fsAvailableBytes: 400 * GI,
      fsInodes: 10_000_000,
      fsInodesFree: 9_000_000,
      pidsInUse: 100,
      pidMax: 4_194_304,
    }),
  },
  cgroups: {
    ensure: async (pod: IPod) => {
      uids.add(pod.metadata?.uid ?? "");
      return `/kubepods/pod${pod.metadata?.uid ?? ""}`;
    },
    remove: async (uid: string) => void uids.delete(uid),
    list: () => [...uids],
  },
});
const stop = new AbortController();
agent.start(stop.signal);
await agent.ready;
await new Promise((r) => setTimeout(r, 3_000));
sample("agent ready");
if (SNAPSHOTS !== undefined) writeHeapSnapshot(join(SNAPSHOTS, "start.heapsnapshot"));

if (PODS > 0) {
  const t0 = Date.now();
  child.stdin.write(`pods ${PODS}\n`);
  await reply();
  console.log(`${PODS} pods running after ${Date.now() - t0} ms`);
  await new Promise((r) => setTimeout(r, 15_000));
  sample(`${PODS} pods`);
  if (SNAPSHOTS !== undefined) writeHeapSnapshot(join(SNAPSHOTS, "pods.heapsnapshot"));
}

stop.abort();
await agent.stop();
child.kill("SIGTERM");
await rm(dir, { recursive: true, force: true });
// The fake runtime's running programs keep timers alive; the measurement is done.
process.exit(0);
