/** The measurements behind bench/apiserver/http.ts (see there for how to run it). */
import { fork, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { Agent, request } from "undici";

const WATCHERS = 100;
const THROUGHPUT_CONCURRENCY = 32;

interface Target {
  readonly url: string;
  readonly token: string;
  readonly ca: string;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, i)] ?? NaN;
}

/** Child mode: run the server and report its URL to the parent. */
async function serve(dir: string): Promise<void> {
  const { ApiServer } = await import("../../src/apiserver/index.js");
  const { createLogger } = await import("../../src/common/log.js");
  const server = new ApiServer({
    dataDir: dir,
    listen: "127.0.0.1:0",
    logger: createLogger({ level: "warn" }),
  });
  const controller = new AbortController();
  process.on("message", (m) => {
    if (m === "stop") controller.abort();
  });
  controller.signal.addEventListener("abort", () => void server.stop().then(() => process.exit(0)));
  await server.start(controller.signal);
  process.send?.({ url: server.url });
}

async function startChild(dir: string): Promise<{ child: ChildProcess; url: string }> {
  const entry = fileURLToPath(new URL("./http.ts", import.meta.url));
  const child = fork(entry, ["--serve", dir], {
    execArgv: ["--experimental-transform-types", "--no-warnings"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once("message", (m) => resolve((m as { url: string }).url));
    child.once("exit", (code) => reject(new Error(`server exited with ${code}`)));
  });
  return { child, url };
}

function podBody(name: string, node: string): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels: { bench: "http" } },
    spec: { nodeName: node, containers: [{ name: "c", image: "busybox:1.36" }] },
  });
}

async function create(t: Target, dispatcher: Agent, name: string, node: string): Promise<void> {
  const res = await request(`${t.url}/api/v1/namespaces/default/pods`, {
    method: "POST",
    headers: { authorization: `Bearer ${t.token}`, "content-type": "application/json" },
    body: podBody(name, node),
    dispatcher,
  });
  await res.body.text();
  if (res.statusCode !== 201) throw new Error(`create ${name}: HTTP ${res.statusCode}`);
}

async function latency(
  t: Target,
  rounds: number,
): Promise<{ delivery: number[]; response: number[]; afterResponse: number[] }> {
  const watchDispatcher = new Agent({ connect: { ca: t.ca }, connections: WATCHERS + 5, pipelining: 0 });
  const writeDispatcher = new Agent({ connect: { ca: t.ca }, connections: 1 });
  const controller = new AbortController();
  const waiting = new Map<string, (at: number) => void>();
  const list = await request(`${t.url}/api/v1/pods?limit=1`, {
    headers: { authorization: `Bearer ${t.token}` },
    dispatcher: writeDispatcher,
  });
  const rv = ((await list.body.json()) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
  let opened = 0;
  const streams = Array.from({ length: WATCHERS }, async (_, i) => {
    const res = await request(
      `${t.url}/api/v1/pods?watch=true&resourceVersion=${rv}&fieldSelector=spec.nodeName%3Dnode-${i}`,
      {
        headers: { authorization: `Bearer ${t.token}` },
        dispatcher: watchDispatcher,
        signal: controller.signal,
      },
    );
    opened++;
    let buffer = "";
    try {
      for await (const chunk of res.body) {
        const at = performance.now();
        buffer += Buffer.from(chunk as Uint8Array).toString("utf8");
        let nl: number;
        while ((nl = buffer.indexOf("\n")) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          const ev = JSON.parse(line) as { type: string; object: { metadata: { name: string } } };
          if (ev.type === "ADDED") waiting.get(ev.object.metadata.name)?.(at);
        }
      }
    } catch {
      // aborted at the end
    }
  });
  while (opened < WATCHERS) await new Promise((r) => setTimeout(r, 20));
  const samples: number[] = [];
  const responses: number[] = [];
  const afterResponse: number[] = [];
  for (let n = 0; n < rounds; n++) {
    const name = `lat-${n}`;
    const node = `node-${Math.floor(Math.random() * WATCHERS)}`;
    const delivered = new Promise<number>((resolve) => waiting.set(name, resolve));
    const start = performance.now();
    await create(t, writeDispatcher, name, node);
    const responded = performance.now();
    responses.push(responded - start);
    const at = await delivered;
    waiting.delete(name);
    samples.push(at - start);
    afterResponse.push(Math.max(0, at - responded));
  }
  controller.abort();
  await Promise.allSettled(streams);
  await watchDispatcher.destroy();
  await writeDispatcher.close();
  const sort = (xs: number[]) => xs.sort((a, b) => a - b);
  return { delivery: sort(samples), response: sort(responses), afterResponse: sort(afterResponse) };
}

async function throughput(t: Target, total: number): Promise<{ perSecond: number; ms: number }> {
  const dispatcher = new Agent({ connect: { ca: t.ca }, connections: THROUGHPUT_CONCURRENCY });
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: THROUGHPUT_CONCURRENCY }, async () => {
      for (let i = next++; i < total; i = next++)
        await create(t, dispatcher, `tp-${i}`, `node-${i % WATCHERS}`);
    }),
  );
  const ms = performance.now() - start;
  await dispatcher.close();
  return { perSecond: (total * 1000) / ms, ms };
}

export async function main(argv: string[]): Promise<void> {
  if (argv[0] === "--serve" && argv[1] !== undefined) return serve(argv[1]);
  const quick = argv.includes("--quick");
  const dir = await mkdtemp(join(tmpdir(), "berth-http-bench-"));
  const { child, url } = await startChild(dir);
  try {
    const t: Target = {
      url,
      token: (await readFile(join(dir, "admin.token"), "utf8")).trim(),
      ca: await readFile(join(dir, "ca.crt"), "utf8"),
    };
    const { delivery: samples, response, afterResponse } = await latency(t, quick ? 100 : 500);
    const fmt = (v: number) => v.toFixed(2);
    const line = (xs: readonly number[]) =>
      `p50 ${fmt(percentile(xs, 50))} ms  p90 ${fmt(percentile(xs, 90))} ms  p99 ${fmt(percentile(xs, 99))} ms  max ${fmt(xs.at(-1) ?? NaN)} ms`;
    console.log(
      `create-to-watch-delivery, ${WATCHERS} watchers with field selectors, ${samples.length} creates:`,
    );
    console.log(`  ${line(samples)}  (target p99 < 10 ms)`);
    console.log(`  the create response alone (storage write, fsync): ${line(response)}`);
    console.log(`  delivery after the create response (watch fan-out): ${line(afterResponse)}`);
    const tp = await throughput(t, quick ? 1000 : 5000);
    console.log(
      `pod creates over HTTPS, SQLite, ${THROUGHPUT_CONCURRENCY} in flight: ${tp.perSecond.toFixed(0)}/s (${(tp.ms / 1000).toFixed(2)} s)  (target >= 1000/s)`,
    );
  } finally {
    child.send("stop");
    await new Promise((r) => child.once("exit", r));
    await rm(dir, { recursive: true, force: true });
  }
}
