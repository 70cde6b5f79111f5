/**
 * The measured half of rss-fake.ts: the agent on the FakeRuntime, in a process of its own run with
 * the node flags under test. rss-fake.ts strips this file's types and runs it as JavaScript that
 * imports berth from dist/, as `berth agent` does: type stripping needs WebAssembly, which
 * --jitless turns off, and would add its own memory to what is measured.
 *
 *   argv: DIST_URL KUBECONFIG NODE_NAME [SNAPSHOT_DIR]
 *   stdin: "sample LABEL" prints one JSON line of memory figures (after a full GC when --expose-gc
 *          is given); "modules" prints the modules loaded so far; "quit" stops the agent and exits.
 */
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { registerHooks } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { writeHeapSnapshot } from "node:v8";
import type { IPod } from "kubernetes-models/v1";
import type * as AgentTypes from "../../src/agent/index.js";
import type * as CommonTypes from "../../src/common/index.js";
import type * as ConfigTypes from "../../src/config/index.js";
import type * as FakeTypes from "../../src/runtime/fake/index.js";

const [distUrl = "", kubeconfig = "", nodeName = "", snapshots] = process.argv.slice(2);
const GI = 1024 ** 3;

// Every berth and npm module the agent loads, in order; built-ins are in process.moduleLoadList.
const loaded: string[] = [];
if (process.env["BERTH_RSS_MODULES"] === "1") {
  registerHooks({
    load(url, context, nextLoad) {
      loaded.push(url);
      return nextLoad(url, context);
    },
  });
}

type AgentModule = typeof AgentTypes;
type CommonModule = typeof CommonTypes;
type ConfigModule = typeof ConfigTypes;
type FakeModule = typeof FakeTypes;
const { Agent } = (await import(new URL("agent/index.js", distUrl).href)) as AgentModule;
const { silentLogger } = (await import(new URL("common/index.js", distUrl).href)) as CommonModule;
const { resolveAgentConfig } = (await import(new URL("config/index.js", distUrl).href)) as ConfigModule;
const { FakeRuntime } = (await import(new URL("runtime/fake/index.js", distUrl).href)) as FakeModule;

async function figures(label: string): Promise<Record<string, number | string>> {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  const status = await readFile("/proc/self/status", "utf8");
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB$`, "m").exec(status)?.[1]);
  return {
    label,
    rssKiB: kib("VmRSS"),
    hwmKiB: kib("VmHWM"),
    fileKiB: kib("RssFile"),
    anonKiB: kib("RssAnon"),
    heapUsed: m.heapUsed,
    heapTotal: m.heapTotal,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
    fds: (await readdir("/proc/self/fd")).length,
  };
}

const dir = await mkdtemp(join(tmpdir(), "berth-rss-agent-"));
const config = resolveAgentConfig({
  flags: { kubeconfig, nodeName, rootDir: dir },
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
process.stdout.write(JSON.stringify({ ready: true }) + "\n");

for await (const line of createInterface({ input: process.stdin })) {
  const [verb, arg = ""] = line.trim().split(/\s+/);
  if (verb === "sample") {
    const row = await figures(arg);
    if (snapshots !== undefined) writeHeapSnapshot(join(snapshots, `${arg}.heapsnapshot`));
    process.stdout.write(JSON.stringify(row) + "\n");
  } else if (verb === "modules") {
    // process.moduleLoadList is Node's own record, not in its typings.
    const all = (process as unknown as { moduleLoadList: string[] }).moduleLoadList;
    const builtins = all.filter((m) => m.startsWith("NativeModule "));
    process.stdout.write(JSON.stringify({ modules: loaded, builtins }) + "\n");
  } else if (verb === "quit") break;
}
stop.abort();
await agent.stop();
await rm(dir, { recursive: true, force: true });
// The fake runtime's running programs keep timers alive; the measurement is done.
process.exit(0);
