/**
 * The agent's server against the runtime directly, measured in the same run on one cluster:
 *
 *   eval "$(bash scripts/runtime-env.sh env)"; npm run build
 *   node --experimental-transform-types bench/agent/server-bench.ts [containerd|docker] [execs] [logMiB]
 *
 * 1. exec round trip (`true` in a running container): a WebSocket v5 session through the API
 *    server's pods/exec and the agent, from upgrade to the exit status, against the runtime
 *    adapter's exec of the same command; p50 and p99 of each (execs runs, default 50).
 *    Target: p50 and p99 within 1.3x + 5 ms of the runtime.
 * 2. log follow throughput: a container writes logMiB (default 32) MiB and exits; the whole log is
 *    read with follow=true through pods/log, against the adapter's readLogs. Target >= 0.8x.
 * 3. port-forward throughput: a 64 MiB file from busybox httpd, through `kubectl port-forward`,
 *    against a direct connection to the pod IP. Target >= 0.7x.
 */
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { Writable } from "node:stream";
import type { IPod } from "kubernetes-models/v1";

await import(new URL("../../test/support/ts-hooks.ts", import.meta.url).href);
// The agent logs at info, as under systemd (the e2e harness defaults to debug).
process.env.BERTH_LOG_LEVEL ??= "info";
const { TestCluster, KUBECTL } = await import("../../test/support/cluster.js");
const { testEnv } = await import("../../test/support/env.js");
const { default: WebSocket } = await import("ws");
const undici = await import("undici");

type RuntimeKind = "containerd" | "docker";
const runtimeKind = (process.argv[2] ?? "containerd") as RuntimeKind;
const EXECS = Number(process.argv[3] ?? 50);
const LOG_MIB = Number(process.argv[4] ?? 32);
const FILE_MIB = 64;
const FOREVER = "trap 'exit 0' TERM; while :; do sleep 1 & wait $!; done";

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return (
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN
  );
}

function benchPod(name: string, script: string, restartPolicy: "Always" | "Never" = "Always"): IPod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name },
    spec: {
      restartPolicy,
      terminationGracePeriodSeconds: 1,
      containers: [{ name: "app", image: testEnv.testImage(), command: ["sh", "-c", script] }],
    },
  };
}

const sink = () =>
  new Writable({
    write(_c, _e, done) {
      done();
    },
  });

// The whole log stays in one file: the agent rotates at containerLogMaxSize (10Mi by default) and
// both sides read only the live file.
const cluster = await TestCluster.start({
  runtime: runtimeKind,
  agentConfig: { containerLogMaxSize: `${LOG_MIB * 2}Mi` },
});
try {
  const apiDir = join(cluster.dir, "apiserver");
  const token = (await readFile(join(apiDir, "admin.token"), "utf8")).trim();
  const ca = await readFile(join(apiDir, "ca.crt"), "utf8");
  const server = cluster.api.server;

  await cluster.createPod(benchPod("exec", FOREVER));
  await cluster.createPod(
    benchPod(
      "web",
      `mkdir -p /www && dd if=/dev/zero of=/www/big bs=1M count=${FILE_MIB} 2>/dev/null && exec httpd -f -p 8080 -h /www`,
    ),
  );
  const running = (p: IPod) => p.status?.containerStatuses?.[0]?.state?.running !== undefined;
  const execPod = await cluster.waitForPod("exec", running, "Running");
  const webPod = await cluster.waitForPod("web", running, "Running");
  const idOf = (p: IPod) => (p.status?.containerStatuses?.[0]?.containerID ?? "").replace(/^.*:\/\//, "");

  // ---- 1. exec round trip ----
  const viaServer = (): Promise<number> =>
    new Promise((resolve, reject) => {
      const started = performance.now();
      const url = `${server.replace(/^http/, "ws")}/api/v1/namespaces/default/pods/exec/exec?command=true&stdout=true&stderr=true`;
      const ws = new WebSocket(url, ["v5.channel.k8s.io"], {
        ca,
        headers: { Authorization: `Bearer ${token}` },
      });
      let status = "";
      ws.on("message", (d: Buffer) => {
        if (d[0] === 3) status += d.subarray(1).toString();
      });
      ws.on("close", () =>
        status.includes("Success") ? resolve(performance.now() - started) : reject(new Error(status)),
      );
      ws.on("error", reject);
    });
  const direct = async (): Promise<number> => {
    const started = performance.now();
    const r = await cluster.runtime.exec(idOf(execPod), {
      cmd: ["true"],
      tty: false,
      stdout: sink(),
      stderr: sink(),
    });
    if (r.exitCode !== 0) throw new Error(`exit ${r.exitCode}`);
    return performance.now() - started;
  };
  await viaServer();
  await direct();
  const through: number[] = [];
  const raw: number[] = [];
  for (let i = 0; i < EXECS; i++) {
    through.push(await viaServer());
    raw.push(await direct());
  }
  const row = (name: string, t: number, r: number, target: string) =>
    console.log(
      `${name.padEnd(28)} berth ${t.toFixed(1).padStart(8)}  runtime ${r.toFixed(1).padStart(8)}  ratio ${(t / r).toFixed(2)}  (${target})`,
    );
  console.log(`${runtimeKind}: exec round trip over ${EXECS} runs, ms`);
  row(
    "exec p50",
    percentile(through, 50),
    percentile(raw, 50),
    `target <= ${(percentile(raw, 50) * 1.3 + 5).toFixed(1)}`,
  );
  row(
    "exec p99",
    percentile(through, 99),
    percentile(raw, 99),
    `target <= ${(percentile(raw, 99) * 1.3 + 5).toFixed(1)}`,
  );

  // ---- 2. log follow throughput ----
  await cluster.createPod(
    benchPod("logs", `head -c ${LOG_MIB * 1024 * 1024} /dev/zero | tr '\\0' 'x' | fold -w 99`, "Never"),
  );
  const done = await cluster.waitForPod(
    "logs",
    (p) => p.status?.containerStatuses?.[0]?.state?.terminated !== undefined,
    "written",
    120_000,
  );
  const readThrough = async (): Promise<{ ms: number; bytes: number }> => {
    const started = performance.now();
    const res = await undici.fetch(`${server}/api/v1/namespaces/default/pods/logs/log?follow=true`, {
      headers: { Authorization: `Bearer ${token}` },
      dispatcher: new undici.Agent({ connect: { ca } }),
    });
    let bytes = 0;
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) bytes += chunk.length;
    return { ms: performance.now() - started, bytes };
  };
  const readDirect = async (): Promise<{ ms: number; bytes: number }> => {
    const started = performance.now();
    let bytes = 0;
    for await (const line of cluster.runtime.readLogs(idOf(done), { follow: true }))
      bytes += line.content.length + 1;
    return { ms: performance.now() - started, bytes };
  };
  const mbps = (r: { ms: number; bytes: number }) => r.bytes / 1048576 / (r.ms / 1000);
  // CPU seconds of the agent and the API server over the reads through them: a measure of the
  // work per byte that the machine's other load does not change much.
  const cpuSeconds = async (pid: number | undefined): Promise<number> => {
    const fields = (await readFile(`/proc/${pid}/stat`, "utf8")).split(") ")[1]?.split(" ") ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  };
  const cpuBefore = [await cpuSeconds(cluster.agent.pid), await cpuSeconds(cluster.apiserver.pid)];
  const throughRuns = [await readThrough(), await readThrough()];
  const cpuAfter = [await cpuSeconds(cluster.agent.pid), await cpuSeconds(cluster.apiserver.pid)];
  const directRuns = [await readDirect(), await readDirect()];
  const logThrough = throughRuns.map(mbps);
  const logDirect = directRuns.map(mbps);
  const mib = (runs: { bytes: number }[]) => runs.map((r) => (r.bytes / 1048576).toFixed(1)).join(", ");
  console.log(
    `${runtimeKind}: log follow of ${LOG_MIB} MiB, MB/s (best of 2; MiB read: berth ${mib(throughRuns)}, runtime ${mib(directRuns)})`,
  );
  const lt = Math.max(...logThrough);
  const ld = Math.max(...logDirect);
  console.log(
    `${"log follow".padEnd(28)} berth ${lt.toFixed(1).padStart(8)}  runtime ${ld.toFixed(1).padStart(8)}  ratio ${(lt / ld).toFixed(2)}  (target >= 0.8)`,
  );
  const perRead = (i: number) => (((cpuAfter[i] ?? 0) - (cpuBefore[i] ?? 0)) / 2).toFixed(2);
  console.log(`${"  CPU s per read".padEnd(28)} agent ${perRead(0)}  apiserver ${perRead(1)}`);

  // ---- 3. port-forward throughput ----
  const download = async (url: string): Promise<number> => {
    const started = performance.now();
    const res = await fetch(url);
    let bytes = 0;
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) bytes += chunk.length;
    if (bytes !== FILE_MIB * 1048576) throw new Error(`got ${bytes} bytes from ${url}`);
    return bytes / 1048576 / ((performance.now() - started) / 1000);
  };
  const forward = spawn(
    KUBECTL,
    ["--kubeconfig", cluster.adminKubeconfig, "port-forward", "pod/web", ":8080"],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let out = "";
      forward.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        const m = /127\.0\.0\.1:(\d+) ->/.exec(out);
        if (m?.[1]) resolve(Number(m[1]));
      });
      forward.on("close", () => reject(new Error(out)));
    });
    const podIp = webPod.status?.podIP ?? (await cluster.getPod("web")).status?.podIP;
    const pf: number[] = [];
    const dir: number[] = [];
    const pids = [cluster.agent.pid, cluster.apiserver.pid, forward.pid];
    const cpuTotal = [0, 0, 0];
    for (let i = 0; i < 3; i++) {
      const before = await Promise.all(pids.map(cpuSeconds));
      pf.push(await download(`http://127.0.0.1:${port}/big`));
      const after = await Promise.all(pids.map(cpuSeconds));
      after.forEach((a, j) => (cpuTotal[j] = (cpuTotal[j] ?? 0) + a - (before[j] ?? 0)));
      dir.push(await download(`http://${podIp}:8080/big`));
    }
    const p = Math.max(...pf);
    const d = Math.max(...dir);
    console.log(`${runtimeKind}: port-forward of ${FILE_MIB} MiB, MB/s (best of 3)`);
    console.log(
      `${"port-forward".padEnd(28)} berth ${p.toFixed(1).padStart(8)}  direct  ${d.toFixed(1).padStart(8)}  ratio ${(p / d).toFixed(2)}  (target >= 0.7)`,
    );
    const perDownload = cpuTotal.map((c) => c / 3);
    const [agentCpu, apiCpu, kubectlCpu] = perDownload.map((c) => c.toFixed(2));
    console.log(
      `${"  CPU s per download".padEnd(28)} agent ${agentCpu}  apiserver ${apiCpu}  kubectl ${kubectlCpu}`,
    );
    // The target's budget: at 0.7x of the direct rate a download may take this long, and the
    // machine's cores give at most this much CPU in that time, to every process on the path.
    const budget = ((FILE_MIB / (0.7 * d)) * availableParallelism()).toFixed(2);
    const relays = perDownload.reduce((a, b) => a + b, 0).toFixed(2);
    console.log(
      `${"  CPU budget at 0.7x".padEnd(28)} ${budget} core-s on ${availableParallelism()} cores; agent+apiserver+kubectl use ${relays}`,
    );
  } finally {
    forward.kill("SIGTERM");
  }
} finally {
  await cluster.stop();
}
