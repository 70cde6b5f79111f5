/**
 * Pod start latency through berth's agent against the raw runtime cost, measured in the same run,
 * and the agent's RSS with 110 pods running.
 *
 *   eval "$(bash scripts/runtime-env.sh up)"; npm run build
 *   node --experimental-transform-types bench/agent/start-latency.ts [containerd|docker] [runs] [rss-pods]
 *
 * 1. single pod: create -> Running as seen through a watch (runs, default 20), interleaved with
 *    the raw cost: the same sandbox + container created and started through the runtime adapter
 *    directly (no API server, no agent); p50 and p99 of each.
 * 2. burst: 30 pods created at once -> all Running through the watch, against 30 sandbox +
 *    container pairs started at once through the adapter.
 * 3. RSS: 110 pods (maxPods; rss-pods, 0 skips it) running on the same real runtime; the agent's
 *    VmRSS from /proc. Each row is printed as soon as it is measured.
 * Targets: single p50 <= 1.5x raw, burst <= 1.25x raw, RSS < 80 MiB at 110 pods.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { IPod } from "kubernetes-models/v1";
import type { ContainerConfig, ContainerRuntime, PodSandboxConfig } from "../../src/runtime/index.js";

// Node runs this file directly; berth's sources import siblings as "./x.js", which are .ts here.
await import(new URL("../../test/support/ts-hooks.ts", import.meta.url).href);
// The agent logs at info, as under systemd (the e2e harness defaults to debug).
process.env.BERTH_LOG_LEVEL ??= "info";

const { TestCluster } = await import("../../test/support/cluster.js");
const { testEnv } = await import("../../test/support/env.js");

type RuntimeKind = "containerd" | "docker";
const runtimeKind = (process.argv[2] ?? "containerd") as RuntimeKind;
if (runtimeKind !== "containerd" && runtimeKind !== "docker") {
  throw new Error(`runtime must be containerd or docker, not ${JSON.stringify(runtimeKind)}`);
}
const RUNS = Number(process.argv[3] ?? 20);
const BURST = 30;
const RSS_PODS = Number(process.argv[4] ?? 110);
const FOREVER = "trap 'exit 0' TERM; while :; do sleep 1 & wait $!; done";

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

function benchPod(name: string): IPod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels: { bench: "start-latency" } },
    spec: {
      terminationGracePeriodSeconds: 2,
      containers: [{ name: "app", image: testEnv.testImage(), command: ["sh", "-c", FOREVER] }],
    },
  };
}

function running(p: IPod): boolean {
  const statuses = p.status?.containerStatuses ?? [];
  return p.status?.phase === "Running" && statuses.length > 0 && statuses.every((s) => s.state?.running);
}

// ---- raw: the same sandbox and container straight through the adapter ---------------------------

const logRoot = await mkdtemp(join(tmpdir(), "berth-agent-bench-"));
let serial = 0;

function rawSandbox(): PodSandboxConfig {
  const n = serial++;
  const name = `raw-${n}`;
  return {
    metadata: { name, uid: `raw-${process.pid}-${n}`, namespace: "berth-bench", attempt: 0 },
    hostname: name,
    logDirectory: join(logRoot, name),
    portMappings: [],
    labels: { "bench.berth.dev/raw": String(process.pid) },
    annotations: {},
    namespaceOptions: { network: "POD", pid: "CONTAINER", ipc: "POD" },
    sysctls: {},
  };
}

function rawContainer(): ContainerConfig {
  return {
    metadata: { name: "app", attempt: 0 },
    image: { image: testEnv.testImage() },
    command: ["sh", "-c", FOREVER],
    args: [],
    envs: [],
    mounts: [],
    labels: {},
    annotations: {},
    logPath: "app/0.log",
  };
}

async function rawStart(
  runtime: ContainerRuntime,
): Promise<{ ms: number; sandbox: string; container: string }> {
  const sandboxConfig = rawSandbox();
  const start = performance.now();
  const sandbox = await runtime.runPodSandbox(sandboxConfig);
  const container = await runtime.createContainer(sandbox, rawContainer(), sandboxConfig);
  await runtime.startContainer(container);
  return { ms: performance.now() - start, sandbox, container };
}

async function rawTeardown(runtime: ContainerRuntime, ids: { sandbox: string; container: string }) {
  await runtime.stopContainer(ids.container, 0);
  await runtime.removeContainer(ids.container);
  await runtime.stopPodSandbox(ids.sandbox);
  await runtime.removePodSandbox(ids.sandbox);
}

// ---- the run -------------------------------------------------------------------------------------

const cluster = await TestCluster.start({ runtime: runtimeKind });
const rows: [string, string, string, string][] = [];
const fmt = (ms: number) => `${ms.toFixed(0)} ms`;
const report = (row: [string, string, string, string]) => {
  rows.push(row);
  console.log(`measured: ${row.join(" | ")}`);
};
try {
  // warm-up: the first pod pays for image checks and cold caches on both paths
  await cluster.createPod(benchPod("warmup"));
  await cluster.waitForPod("warmup", running, "Running", 60_000);
  await cluster.deletePod("warmup", { gracePeriodSeconds: 0 });
  await cluster.waitForPodGone("warmup", 60_000);
  await rawTeardown(cluster.runtime, await rawStart(cluster.runtime));

  const agentMs: number[] = [];
  const rawMs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const name = `single-${i}`;
    const start = performance.now();
    await cluster.createPod(benchPod(name));
    await cluster.waitForPod(name, running, "Running", 60_000);
    agentMs.push(performance.now() - start);
    await cluster.deletePod(name, { gracePeriodSeconds: 0 });
    await cluster.waitForPodGone(name, 60_000);

    const raw = await rawStart(cluster.runtime);
    rawMs.push(raw.ms);
    await rawTeardown(cluster.runtime, raw);
  }
  const agentP50 = percentile(agentMs, 50);
  const rawP50 = percentile(rawMs, 50);
  report([
    `single pod, ${RUNS} runs (p50 / p99)`,
    `${fmt(agentP50)} / ${fmt(percentile(agentMs, 99))}`,
    `${fmt(rawP50)} / ${fmt(percentile(rawMs, 99))}`,
    `${(agentP50 / rawP50).toFixed(2)}x (target <= 1.5x)`,
  ]);

  // burst through the agent
  const names = Array.from({ length: BURST }, (_, i) => `burst-${i}`);
  const burstStart = performance.now();
  await Promise.all(
    names.map(async (name) => {
      await cluster.createPod(benchPod(name));
      await cluster.waitForPod(name, running, "Running", 180_000);
    }),
  );
  const burstMs = performance.now() - burstStart;
  await Promise.all(names.map((name) => cluster.deletePod(name, { gracePeriodSeconds: 0 })));
  await Promise.all(names.map((name) => cluster.waitForPodGone(name, 180_000)));

  // the same burst straight through the adapter
  const rawBurstStart = performance.now();
  const started = await Promise.all(names.map(() => rawStart(cluster.runtime)));
  const rawBurstMs = performance.now() - rawBurstStart;
  await Promise.all(started.map((ids) => rawTeardown(cluster.runtime, ids)));
  report([
    `burst of ${BURST} pods, all Running`,
    fmt(burstMs),
    fmt(rawBurstMs),
    `${(burstMs / rawBurstMs).toFixed(2)}x (target <= 1.25x)`,
  ]);

  // RSS with 110 pods running
  if (RSS_PODS > 0) {
    const many = Array.from({ length: RSS_PODS }, (_, i) => `rss-${i}`);
    const manyStart = performance.now();
    await Promise.all(
      many.map(async (name) => {
        await cluster.createPod(benchPod(name));
        await cluster.waitForPod(name, running, "Running", 600_000);
      }),
    );
    const manyMs = performance.now() - manyStart;
    // let a few relists and status syncs go by at steady state
    await new Promise((resolve) => setTimeout(resolve, 15_000));
    const status = await readFile(`/proc/${cluster.agent.pid}/status`, "utf8");
    const rssKiB = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1]);
    const hwmKiB = Number(/^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1]);
    report([
      `agent RSS, ${RSS_PODS} pods running (${runtimeKind}, started in ${(manyMs / 1000).toFixed(1)} s)`,
      `${(rssKiB / 1024).toFixed(1)} MiB (peak ${(hwmKiB / 1024).toFixed(1)} MiB)`,
      "",
      "target < 80 MiB",
    ]);
  }
} finally {
  await cluster.stop();
  await rm(logRoot, { recursive: true, force: true });
}

const header: [string, string, string, string] = ["measure", "berth agent", "raw runtime", "ratio"];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
const line = (r: readonly string[]) => `| ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ")} |`;
console.log(`\nberth agent start latency on ${runtimeKind}\n`);
console.log(line(header));
console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
for (const r of rows) console.log(line(r));
