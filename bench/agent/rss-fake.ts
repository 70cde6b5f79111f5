/**
 * The agent's memory with the in-memory FakeRuntime: RSS and heap once ready and with N pods
 * running (default 110, maxPods). Three processes, so the numbers are the agent's alone: this
 * driver, the API server (rss-apiserver.ts) and the agent (rss-fake-agent.ts, run from dist/ as
 * `berth agent` runs, with the node flags given here). Needs `npm run build` first.
 *
 *   node --experimental-transform-types bench/agent/rss-fake.ts [pods] [--modules] [--snapshots DIR] [-- NODE_FLAGS...]
 *
 * For example `-- --max-semi-space-size=2 --optimize-for-size --jitless` (systemd/berth-agent.env).
 * --modules lists the modules loaded at start (npm, berth and built-in); --snapshots writes
 * ready.heapsnapshot and pods.heapsnapshot into DIR.
 */
import { spawn, type ChildProcessByStdio } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { stripTypeScriptTypes } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";

const dashes = process.argv.indexOf("--");
const args = dashes < 0 ? process.argv.slice(2) : process.argv.slice(2, dashes);
const nodeFlags = dashes < 0 ? [] : process.argv.slice(dashes + 1);
const PODS = Number(args.find((a) => /^\d+$/.test(a)) ?? 110);
const MODULES = args.includes("--modules");
const snapshotIndex = args.indexOf("--snapshots");
const SNAPSHOTS = snapshotIndex < 0 ? undefined : args[snapshotIndex + 1];
const NODE = "rss-node";
const MIB = 1024 * 1024;
const DIST = new URL("../../dist/", import.meta.url);

function lines(child: ChildProcessByStdio<Writable, Readable, null>): () => Promise<Record<string, unknown>> {
  const it = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return async () => {
    const next = await it.next();
    if (next.done === true) throw new Error("child exited");
    return JSON.parse(next.value) as Record<string, unknown>;
  };
}

const api = spawn(
  process.execPath,
  [
    "--experimental-transform-types",
    "--no-warnings",
    new URL("rss-apiserver.ts", import.meta.url).pathname,
    NODE,
  ],
  { stdio: ["pipe", "pipe", "inherit"] },
);
const apiReply = lines(api);
const { kubeconfig } = (await apiReply()) as { kubeconfig: string };

const work = await mkdtemp(join(tmpdir(), "berth-rss-fake-"));
const script = join(work, "rss-fake-agent.mjs");
const source = await readFile(new URL("rss-fake-agent.ts", import.meta.url), "utf8");
await writeFile(script, stripTypeScriptTypes(source));
const agent = spawn(
  process.execPath,
  ["--expose-gc", ...nodeFlags, script, DIST.href, kubeconfig, NODE, ...(SNAPSHOTS ? [SNAPSHOTS] : [])],
  { stdio: ["pipe", "pipe", "inherit"], env: { ...process.env, BERTH_RSS_MODULES: MODULES ? "1" : "0" } },
);
const agentReply = lines(agent);
await agentReply();

async function sample(label: string): Promise<void> {
  agent.stdin.write(`sample ${label}\n`);
  const r = (await agentReply()) as Record<string, number>;
  const k = (n: number | undefined) => ((n ?? 0) / 1024).toFixed(1);
  const m = (n: number | undefined) => ((n ?? 0) / MIB).toFixed(1);
  console.log(
    `${label.padEnd(8)} rss ${k(r["rssKiB"])} MiB (file ${k(r["fileKiB"])}, anon ${k(r["anonKiB"])}, peak ${k(r["hwmKiB"])})  ` +
      `heapUsed ${m(r["heapUsed"])}  heapTotal ${m(r["heapTotal"])}  external ${m(r["external"])}  arrayBuffers ${m(r["arrayBuffers"])}  fds ${r["fds"]}`,
  );
}

console.log(`node flags: ${nodeFlags.join(" ") || "(none)"}`);
await new Promise((r) => setTimeout(r, 3_000));
await sample("ready");
if (MODULES) {
  agent.stdin.write("modules\n");
  const { modules, builtins } = (await agentReply()) as { modules: string[]; builtins: string[] };
  const own = modules.filter((u) => u.startsWith(DIST.href)).map((u) => u.slice(DIST.href.length));
  const npm = modules
    .filter((u) => u.includes("/node_modules/"))
    .map((u) => u.replace(/^.*\/node_modules\//, ""));
  console.log(`berth modules (${own.length}):\n  ${own.join("\n  ")}`);
  console.log(`npm modules (${npm.length}):\n  ${npm.join("\n  ")}`);
  console.log(`built-in modules (${builtins.length}): ${builtins.map((b) => b.slice(13)).join(" ")}`);
}
if (PODS > 0) {
  const t0 = Date.now();
  api.stdin.write(`pods ${PODS}\n`);
  await apiReply();
  console.log(`${PODS} pods running after ${Date.now() - t0} ms`);
  await new Promise((r) => setTimeout(r, 15_000));
  await sample("pods");
}

agent.stdin.write("quit\n");
await new Promise((r) => agent.once("exit", r));
api.kill("SIGTERM");
await rm(work, { recursive: true, force: true });
