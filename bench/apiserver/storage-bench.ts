import { DatabaseSync } from "node:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Etcd3 } from "etcd3";
import {
  openEtcdStorage,
  openSqliteStorage,
  openWatchCache,
  type Storage,
} from "../../src/apiserver/storage/index.js";
import { startEtcd } from "../../test/support/etcd.js";

interface Row {
  readonly backend: string;
  readonly case: string;
  readonly result: string;
}

const rows: Row[] = [];
const record = (backend: string, name: string, result: string): void => {
  rows.push({ backend, case: name, result });
  console.error(`${backend.padEnd(22)} ${name.padEnd(48)} ${result}`);
};

/** A pod as the API server stores it, padded with annotations to about 2 KB of JSON. */
function podJson(i: number, node: string): Uint8Array {
  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: `web-${i}`,
      namespace: "bench",
      uid: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
      creationTimestamp: "2026-01-01T00:00:00Z",
      labels: { app: "web", tier: "frontend", index: String(i) },
      annotations: { "bench/padding": "p".repeat(1_300) },
    },
    spec: {
      nodeName: node,
      restartPolicy: "Always",
      terminationGracePeriodSeconds: 30,
      dnsPolicy: "ClusterFirst",
      containers: [
        {
          name: "web",
          image: "registry.local/web:1.0",
          imagePullPolicy: "IfNotPresent",
          ports: [{ containerPort: 8080, protocol: "TCP" }],
          resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "500m", memory: "128Mi" } },
          terminationMessagePath: "/dev/termination-log",
        },
      ],
    },
    status: { phase: "Pending" },
  };
  return new TextEncoder().encode(JSON.stringify(pod));
}

const perSecond = (n: number, ms: number): string =>
  `${Math.round((n / ms) * 1000).toLocaleString("en-US")}/s`;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function timed(fn: () => Promise<void> | void): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

/** n creates with `inFlight` concurrent callers. */
async function creates(storage: Storage, prefix: string, n: number, inFlight: number): Promise<number> {
  let next = 0;
  return timed(async () => {
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        for (let i = next++; i < n; i = next++)
          await storage.create(`${prefix}/${i}`, podJson(i, `node-${i % 10}`));
      }),
    );
  });
}

interface LatencyRun {
  readonly watchers: number;
  readonly events: number;
  /** Pause between creates; 0 = back to back (saturation). */
  readonly intervalMs: number;
  /** Decode each event once for all watchers (memo on the shared value) instead of per watcher. */
  readonly sharedDecode: boolean;
}

/**
 * Create-to-delivery latency through a watch cache: every watcher decodes each event and keeps
 * those matching its field selector (spec.nodeName=node-k), as the API server's filtered watch
 * does; latency is taken when a matching event reaches its watcher.
 */
let latencyRuns = 0;

async function watchLatency(backend: Storage, label: string, run: LatencyRun): Promise<void> {
  const root = `/lat${++latencyRuns}`;
  const cache = await openWatchCache(backend, { prefix: root, bookmarkIntervalMs: 0 });
  const start = await cache.revision();
  const sentAt = new Map<string, number>();
  const samples: number[] = [];
  const controller = new AbortController();
  const decoder = new TextDecoder();
  const memo = new WeakMap<Uint8Array, { spec: { nodeName: string } }>();
  const decode = (value: Uint8Array): { spec: { nodeName: string } } => {
    if (!run.sharedDecode) return JSON.parse(decoder.decode(value)) as { spec: { nodeName: string } };
    let pod = memo.get(value);
    if (pod === undefined)
      memo.set(value, (pod = JSON.parse(decoder.decode(value)) as { spec: { nodeName: string } }));
    return pod;
  };
  let delivered = 0;
  const expected = run.events * (run.watchers / 10);
  let resolveAll: () => void = () => undefined;
  const allDelivered = new Promise<void>((r) => (resolveAll = r));
  // A probe registered first notes when the cache hands each event out; the rest of a watcher's
  // latency after that is the fan-out itself (push, wake-up, decode, filter).
  const fannedAt = new Map<string, number>();
  const fanout: number[] = [];
  void (async () => {
    for await (const e of cache.watch({
      prefix: `${root}/`,
      afterRevision: start,
      signal: controller.signal,
    })) {
      fannedAt.set(e.key, performance.now());
    }
  })();
  for (let w = 0; w < run.watchers; w++) {
    const node = `node-${w % 10}`;
    void (async () => {
      for await (const e of cache.watch({
        prefix: `${root}/`,
        afterRevision: start,
        signal: controller.signal,
      })) {
        if (decode(e.value).spec.nodeName !== node) continue;
        const now = performance.now();
        samples.push(now - (sentAt.get(e.key) as number));
        fanout.push(now - (fannedAt.get(e.key) as number));
        if (++delivered === expected) resolveAll();
      }
    })();
  }
  const t0 = performance.now();
  for (let i = 0; i < run.events; i++) {
    const key = `${root}/${i}`;
    const value = podJson(i, `node-${i % 10}`);
    const wait = t0 + i * run.intervalMs - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    sentAt.set(key, performance.now());
    await cache.create(key, value);
  }
  await Promise.race([allDelivered, new Promise((r) => setTimeout(r, 30_000))]);
  controller.abort();
  await cache.close();
  samples.sort((a, b) => a - b);
  fanout.sort((a, b) => a - b);
  const fmt = (v: number): string => `${v.toFixed(2)} ms`;
  const pace = run.intervalMs === 0 ? "back to back" : `${Math.round(1000 / run.intervalMs)} creates/s`;
  record(
    label,
    `watch delivery: ${run.watchers} filtered watchers, ${pace}, ${run.sharedDecode ? "shared" : "per-watcher"} decode (${samples.length}/${expected})`,
    `p50 ${fmt(percentile(samples, 50))}, p99 ${fmt(percentile(samples, 99))}, max ${fmt(samples[samples.length - 1] ?? NaN)}` +
      `; fan-out only: p50 ${fmt(percentile(fanout, 50))}, p99 ${fmt(percentile(fanout, 99))}`,
  );
}

async function latencySuite(backend: Storage, label: string, events: number): Promise<void> {
  for (const run of [
    { watchers: 100, events, intervalMs: 5, sharedDecode: false },
    { watchers: 100, events, intervalMs: 5, sharedDecode: true },
    { watchers: 100, events, intervalMs: 0, sharedDecode: true },
  ]) {
    await watchLatency(backend, label, run);
  }
}

/** Median of 5 lists (the first also checks the count). */
async function listBench(
  label: string,
  name: string,
  expect: number,
  list: () => Promise<{ items: unknown[] }>,
): Promise<void> {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    let count = 0;
    times.push(
      await timed(async () => {
        count = (await list()).items.length;
      }),
    );
    if (count !== expect) throw new Error(`${label}: listed ${count}, expected ${expect}`);
  }
  times.sort((a, b) => a - b);
  record(
    label,
    `list ${expect.toLocaleString("en-US")} objects${name}`,
    `${(times[2] as number).toFixed(1)} ms (median of 5)`,
  );
}

async function sqliteBench(dir: string, n: number, listN: number): Promise<void> {
  // Baseline: the same 2 KB rows into a bare table, one autocommit insert each, same pragmas.
  const raw = new DatabaseSync(join(dir, "raw.db"));
  raw.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL");
  raw.exec("CREATE TABLE kv (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, value BLOB NOT NULL)");
  const insert = raw.prepare("INSERT INTO kv (name, value) VALUES (?, ?)");
  const rawMs = await timed(() => {
    for (let i = 0; i < n; i++) insert.run(`/raw/${i}`, podJson(i, "node-0"));
  });
  raw.close();
  record("node:sqlite (raw)", `${n} inserts, 1 commit each, sync=FULL`, perSecond(n, rawMs));

  const storage = await openSqliteStorage({ path: join(dir, "berth.db"), compactIntervalMs: 0 });
  await creates(storage, "/warmup", 50, 1);
  record("berth sqlite", `${n} pod creates, sequential`, perSecond(n, await creates(storage, "/seq", n, 1)));
  record(
    "berth sqlite",
    `${n} pod creates, 64 in flight`,
    perSecond(n, await creates(storage, "/par", n, 64)),
  );
  const normal = await openSqliteStorage({
    path: join(dir, "normal.db"),
    compactIntervalMs: 0,
    synchronous: "normal",
  });
  record(
    "berth sqlite sync=NORMAL",
    `${n} pod creates, sequential`,
    perSecond(n, await creates(normal, "/seq", n, 1)),
  );
  await normal.close();

  await creates(storage, "/list", listN, 64);
  // Baseline: the same rows read by a bare range query on a second connection (every version of
  // each key, no "newest row" check).
  const reader = new DatabaseSync(join(dir, "berth.db"), { readOnly: true });
  const range = reader.prepare("SELECT name, value FROM kv WHERE name >= ? AND name < ? ORDER BY name");
  range.setReturnArrays(true);
  await listBench("node:sqlite (raw)", ", range select", listN, () =>
    Promise.resolve({ items: range.all("/list/", "/list0") }),
  );
  reader.close();
  await listBench("berth sqlite", "", listN, () => storage.list({ prefix: "/list/" }));
  const cache = await openWatchCache(storage, { prefix: "/list", bookmarkIntervalMs: 0 });
  await listBench("watch cache (sqlite)", ", consistent", listN, () => cache.list({ prefix: "/list/" }));
  await listBench("watch cache (sqlite)", ", resourceVersion=0", listN, () =>
    cache.list({ prefix: "/list/", anyFreshness: true }),
  );
  await cache.close();
  await latencySuite(storage, "watch cache (sqlite)", Math.min(n, 1000));
  await storage.close();
  // The same with fsync out of the write path: what is left is commit + fan-out + decode.
  const fast = await openSqliteStorage({
    path: join(dir, "latency.db"),
    compactIntervalMs: 0,
    synchronous: "normal",
  });
  await latencySuite(fast, "watch cache (sqlite, NORMAL)", Math.min(n, 1000));
  await fast.close();
}

async function etcdBench(endpoint: string, n: number, listN: number): Promise<void> {
  const client = new Etcd3({
    hosts: [endpoint],
    grpcOptions: { "grpc.max_receive_message_length": 512 << 20 },
  });
  const value = Buffer.from(podJson(0, "node-0"));
  const seqMs = await timed(async () => {
    for (let i = 0; i < n; i++) await client.put(`/raw/${i}`).value(value);
  });
  record("etcd3 put (raw)", `${n} puts, sequential`, perSecond(n, seqMs));
  let next = 0;
  const parMs = await timed(async () => {
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        for (let i = next++; i < n; i = next++) await client.put(`/rawpar/${i}`).value(value);
      }),
    );
  });
  record("etcd3 put (raw)", `${n} puts, 64 in flight`, perSecond(n, parMs));
  client.close();

  const storage = await openEtcdStorage({ endpoints: [endpoint], prefix: "/bench" });
  record("berth etcd", `${n} pod creates, sequential`, perSecond(n, await creates(storage, "/seq", n, 1)));
  record("berth etcd", `${n} pod creates, 64 in flight`, perSecond(n, await creates(storage, "/par", n, 64)));
  await creates(storage, "/list", listN, 64);
  const raw = new Etcd3({ hosts: [endpoint], grpcOptions: { "grpc.max_receive_message_length": 512 << 20 } });
  await listBench("etcd3 (raw)", ", range", listN, async () => ({
    items: Object.keys(await raw.getAll().prefix("/bench/list/").buffers()),
  }));
  raw.close();
  await listBench("berth etcd", "", listN, () => storage.list({ prefix: "/list/" }));
  const cache = await openWatchCache(storage, { prefix: "/list", bookmarkIntervalMs: 0 });
  await listBench("watch cache (etcd)", ", consistent", listN, () => cache.list({ prefix: "/list/" }));
  await listBench("watch cache (etcd)", ", resourceVersion=0", listN, () =>
    cache.list({ prefix: "/list/", anyFreshness: true }),
  );
  await cache.close();
  await latencySuite(storage, "watch cache (etcd)", Math.min(n, 1000));
  await storage.close();
}

export async function main(argv: string[]): Promise<void> {
  const quick = argv.includes("--quick");
  const n = quick ? 500 : 2_000;
  const listN = quick ? 2_000 : 10_000;
  const dir = mkdtempSync(join(tmpdir(), "berth-bench-"));
  const etcd = await startEtcd();
  try {
    await sqliteBench(dir, n, listN);
    await etcdBench(etcd.endpoint, n, listN);
  } finally {
    await etcd.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log("| backend | case | result |");
  console.log("|---|---|---|");
  for (const r of rows) console.log(`| ${r.backend} | ${r.case} | ${r.result} |`);
}
