/**
 * The agent's memory and CPU at steady state on a real runtime: idle, then with N pods running
 * (default 110, maxPods), in the same run. Each phase samples the agent once a second over a
 * window: VmRSS (mean and last), /proc/PID/smaps_rollup split into file-backed pages (the node
 * binary, its code) and anonymous memory (V8 heap, malloc, stacks), and CPU seconds (utime +
 * stime) over the window; the load average is printed beside each phase.
 *
 *   eval "$(bash scripts/runtime-env.sh env)"; npm run build
 *   node --experimental-transform-types bench/agent/relist-rss.ts [containerd|docker] [pods] [window-s] [-- FLAGS [-- FLAGS]...]
 *
 * The agent runs with systemd/berth-agent.env's node flags (BERTH_AGENT_NODE_FLAGS overrides
 * them, as for every bench) and BERTH_LOG_LEVEL=info, as under systemd, unless set. Each FLAGS
 * after `--` (for example `-- --max-semi-space-size=2 --optimize-for-size --jitless
 * --heap-growing-percent=10`) restarts the agent on the same running pods with those node flags
 * instead and measures again; the baseline flags are measured once more at the end, so a drift of
 * the machine's load shows. A variant whose first word is `main=PATH` runs that build of berth
 * (for example an earlier commit's dist/cli/main.js, copied inside the worktree so that its
 * node_modules resolve) with the flags that follow, or with the baseline's when none follow. Words
 * of the form `env:NAME=VALUE` (for example `env:MALLOC_ARENA_MAX=2`) set an environment variable
 * of that variant's agent, which runs with the baseline's flags when the variant gives none. Target: RSS < 80 MiB with 110 pods.
 */
import { readFile } from "node:fs/promises";
import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import type { IPod } from "kubernetes-models/v1";

// Node runs this file directly; berth's sources import siblings as "./x.js", which are .ts here.
await import(new URL("../../test/support/ts-hooks.ts", import.meta.url).href);

const { TestCluster } = await import("../../test/support/cluster.js");
const { testEnv } = await import("../../test/support/env.js");

type RuntimeKind = "containerd" | "docker";
const runtimeKind = (process.argv[2] ?? "containerd") as RuntimeKind;
if (runtimeKind !== "containerd" && runtimeKind !== "docker") {
  throw new Error(`runtime must be containerd or docker, not ${JSON.stringify(runtimeKind)}`);
}
const dashes = process.argv.indexOf("--");
const args = dashes < 0 ? process.argv.slice(2) : process.argv.slice(2, dashes);
const PODS = Number(args[1] ?? 110);
const WINDOW_S = Number(args[2] ?? 30);
/** Node flag sets to compare with the baseline, each after a `--`. */
const variants: string[][] = [];
for (const arg of dashes < 0 ? [] : process.argv.slice(dashes)) {
  if (arg === "--") variants.push([]);
  else variants[variants.length - 1]?.push(arg);
}
const SETTLE_MS = 15_000;
const FOREVER = "trap 'exit 0' TERM; while :; do sleep 1 & wait $!; done";
const KIB_PER_MIB = 1024;
process.env.BERTH_LOG_LEVEL ??= "info";

function benchPod(name: string): IPod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels: { bench: "relist-rss" } },
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

interface Sample {
  readonly rssKiB: number;
  readonly anonKiB: number;
  readonly fileKiB: number;
  readonly cpuTicks: number;
}

const CLOCK_TICKS = 100; // getconf CLK_TCK on Linux

async function sample(pid: number): Promise<Sample> {
  const [rollup, stat] = await Promise.all([
    readFile(`/proc/${pid}/smaps_rollup`, "utf8"),
    readFile(`/proc/${pid}/stat`, "utf8"),
  ]);
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB$`, "m").exec(rollup)?.[1]);
  // fields after the command's closing parenthesis: state is 3, utime 14, stime 15
  const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const rssKiB = field("Rss");
  const anonKiB = field("Anonymous");
  return {
    rssKiB,
    anonKiB,
    fileKiB: rssKiB - anonKiB,
    cpuTicks: Number(rest[11]) + Number(rest[12]),
  };
}

interface Phase {
  readonly name: string;
  readonly rssMeanMiB: number;
  readonly rssLastMiB: number;
  readonly anonMiB: number;
  readonly fileMiB: number;
  readonly cpuShare: number;
  readonly load: string;
}

async function measure(name: string, pid: number): Promise<Phase> {
  const load = loadavg()
    .map((l) => l.toFixed(1))
    .join(" ");
  const samples: Sample[] = [];
  const start = performance.now();
  for (let i = 0; i <= WINDOW_S; i++) {
    samples.push(await sample(pid));
    await new Promise((resolve) => setTimeout(resolve, start + (i + 1) * 1000 - performance.now()));
  }
  const elapsedS = (performance.now() - start - 1000) / 1000;
  const first = samples[0] as Sample;
  const last = samples[samples.length - 1] as Sample;
  const mean = samples.reduce((sum, s) => sum + s.rssKiB, 0) / samples.length;
  const phase: Phase = {
    name,
    rssMeanMiB: mean / KIB_PER_MIB,
    rssLastMiB: last.rssKiB / KIB_PER_MIB,
    anonMiB: last.anonKiB / KIB_PER_MIB,
    fileMiB: last.fileKiB / KIB_PER_MIB,
    cpuShare: (last.cpuTicks - first.cpuTicks) / CLOCK_TICKS / elapsedS,
    load,
  };
  console.log(`measured: ${JSON.stringify(phase)}`);
  return phase;
}

const cluster = await TestCluster.start({ runtime: runtimeKind });
const phases: Phase[] = [];
console.log(`baseline node flags: ${cluster.agent.nodeFlags.join(" ")}`);
try {
  const pid = cluster.agent.pid;
  if (pid === undefined) throw new Error("the agent does not run");
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  phases.push(await measure("idle", pid));

  const names = Array.from({ length: PODS }, (_, i) => `rss-${i}`);
  const started = performance.now();
  await Promise.all(
    names.map(async (name) => {
      await cluster.createPod(benchPod(name));
      await cluster.waitForPod(name, running, "Running", 600_000);
    }),
  );
  console.log(`${PODS} pods Running in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  phases.push(await measure(`${PODS} pods`, pid));
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const hwmKiB = Number(/^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1]);
  console.log(`peak RSS (VmHWM) ${(hwmKiB / KIB_PER_MIB).toFixed(1)} MiB`);

  // the same pods under an agent restarted with other node flags, then the baseline again
  if (variants.length > 0) {
    const baseline = cluster.agent.nodeFlags;
    const ownMain = process.env.BERTH_CLI_MAIN;
    for (const variant of [...variants, baseline]) {
      const envWords = variant.filter((word) => word.startsWith("env:"));
      const words = variant.filter((word) => !word.startsWith("env:"));
      const main = words[0]?.startsWith("main=") === true ? words[0].slice("main=".length) : undefined;
      const own = main === undefined ? words : words.slice(1);
      // an empty variant runs with no node flags at all; one that gives only a build or an environment keeps the baseline's
      const flags = own.length > 0 || variant.length === 0 ? own : baseline;
      await cluster.stopAgent();
      cluster.agent.nodeFlags = flags;
      if (main !== undefined) process.env.BERTH_CLI_MAIN = main;
      else if (ownMain === undefined) delete process.env.BERTH_CLI_MAIN;
      else process.env.BERTH_CLI_MAIN = ownMain;
      const saved = new Map<string, string | undefined>();
      for (const word of envWords) {
        const [name = "", ...value] = word.slice("env:".length).split("=");
        saved.set(name, process.env[name]);
        process.env[name] = value.join("=");
      }
      await cluster.startAgent();
      for (const [name, value] of saved) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      const restarted = cluster.agent.pid;
      if (restarted === undefined) throw new Error("the agent does not run");
      const label = variant === baseline ? "baseline again" : variant.join(" ");
      phases.push(await measure(`${PODS} pods, ${label}`, restarted));
    }
  }
} finally {
  await cluster.stop();
}

const mib = (v: number) => `${v.toFixed(1)} MiB`;
console.log(
  `\nberth agent memory on ${runtimeKind}, window ${WINDOW_S} s (target: RSS < 80 MiB with ${PODS} pods)\n`,
);
console.log("| phase | RSS mean / last | anonymous | file-backed | CPU (share of a core) | load average |");
console.log("|---|---|---|---|---|---|");
for (const p of phases) {
  console.log(
    `| ${p.name} | ${mib(p.rssMeanMiB)} / ${mib(p.rssLastMiB)} | ${mib(p.anonMiB)} | ${mib(p.fileMiB)} | ${(p.cpuShare * 100).toFixed(1)}% | ${p.load} |`,
  );
}
