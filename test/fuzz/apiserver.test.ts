/**
 * The API server under mutated and malformed input (see test/fuzz/cases.ts), with misbehaving
 * clients beside it. Every request gets an answer, every 4xx is a Status with a reason, nothing is
 * a 5xx, /readyz stays ok, the server's RSS stays bounded and the objects stored before the fuzz
 * change only through requests that were accepted. Seeded: a failure prints the seed, the case and
 * its shrunk mutations; BERTH_FUZZ_SEED / BERTH_FUZZ_CASE / BERTH_FUZZ_CASES replay or widen it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApiServerProcess, type ApiServerProcess } from "../support/apiserver-process.js";
import {
  FIXED_NAME,
  FIXED_NAMESPACE,
  FUZZ_NAMESPACE,
  makeCase,
  type CaseContext,
  type FuzzCase,
} from "./cases.js";
import { FuzzClient, problemOf, type Answer } from "./client.js";
import { servedKinds } from "./discovery.js";
import { baseManifest, collectionPath, type Manifest, type ServedKind } from "./manifests.js";
import { cutOffClients, stalledWatches, trickleAndAbandon } from "./misbehaving.js";
import { describeMutation, shrink } from "./mutate.js";
import { fuzzSeed, onlyCase, Prng } from "./prng.js";
import { rssBytes } from "./rss.js";

/** Cases in CI; BERTH_FUZZ_CASES widens a local run. */
const CASES = Number(process.env.BERTH_FUZZ_CASES ?? 600);
const CONCURRENCY = 8;
/** The server's RSS may grow by at most this over the run (it starts around 90 MiB). */
const RSS_GROWTH_LIMIT_BYTES = 256 * 1024 * 1024;
const IMAGE = "127.0.0.1:5000/berth/test:1.0";
const MIB = 1024 * 1024;

interface Failure {
  readonly c: FuzzCase;
  readonly problem: string;
}

describe("fuzz: the API server", () => {
  let s: ApiServerProcess;
  let client: FuzzClient;
  let kinds: ServedKind[];
  const fixed = new Map<ServedKind, Manifest>();
  const before = new Map<string, string>();

  beforeAll(async () => {
    s = await startApiServerProcess();
    client = new FuzzClient(s.url, s.token, s.caPem);
    kinds = await servedKinds(client);
    for (const ns of [FUZZ_NAMESPACE, FIXED_NAMESPACE]) {
      const r = await client.send({
        method: "POST",
        path: "/api/v1/namespaces",
        contentType: "application/json",
        body: Buffer.from(JSON.stringify({ metadata: { name: ns } })),
      });
      expect(r.ok && r.status).toBe(201);
    }
    for (const kind of kinds.filter((k) => k.namespaced && k.verbs.includes("create"))) {
      const manifest = baseManifest(kind, FIXED_NAME, IMAGE);
      const path = collectionPath(kind, FIXED_NAMESPACE);
      const r = await client.send({
        method: "POST",
        path,
        contentType: "application/json",
        body: Buffer.from(JSON.stringify(manifest)),
      });
      if (!r.ok || r.status !== 201) continue;
      fixed.set(kind, JSON.parse(r.body) as Manifest);
      before.set(`${path}/${FIXED_NAME}`, r.body);
    }
  }, 60_000);

  afterAll(async () => {
    await client?.close();
    await s?.stop();
  });

  it("answers every case with a Status or an object, and keeps serving", async () => {
    const seed = fuzzSeed();
    const ctx: CaseContext = { kinds, image: IMAGE, fixed };
    const pid = s.process.pid ?? 0;
    const rssAtStart = await rssBytes(pid);
    const stalled = await stalledWatches(
      client,
      collectionPath(
        kinds.find((k) => k.plural === "pods")!,
        FUZZ_NAMESPACE,
      ),
      4,
    );
    const misbehaving = new AbortController();
    const pods = collectionPath(
      kinds.find((k) => k.plural === "pods")!,
      FUZZ_NAMESPACE,
    );
    const trickling = trickleAndAbandon(client, pods, misbehaving.signal);
    const cutting = cutOffClients(client, pods, misbehaving.signal);

    const only = onlyCase();
    const numbers = only !== undefined ? [only] : Array.from({ length: CASES }, (_, i) => i);
    const failures: Failure[] = [];
    const accepted = new Set<string>();
    const problems: string[] = [];
    let longest = 0;
    let longestCase = "";
    let rssPeak = rssAtStart;
    let next = 0;
    const worker = async () => {
      while (next < numbers.length) {
        const n = numbers[next++] ?? 0;
        const c = makeCase(n, Prng.forCase(seed, n), ctx);
        const answer: Answer = await client.send(c.build(c.mutations));
        if (answer.ms > longest) {
          longest = answer.ms;
          longestCase = `case ${n}, ${c.shape} ${c.kind.plural}`;
        }
        const problem = problemOf(answer);
        if (problem !== undefined) failures.push({ c, problem });
        if (c.target !== undefined && answer.ok && answer.status < 300) accepted.add(c.target);
        if (n % 50 === 0) {
          const ready = await client.send({ method: "GET", path: "/readyz" });
          if (!ready.ok || ready.body !== "ok")
            problems.push(`/readyz after case ${n}: ${JSON.stringify(ready)}`);
          rssPeak = Math.max(rssPeak, await rssBytes(pid));
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    misbehaving.abort();
    const sessions = (await trickling) + (await cutting);
    rssPeak = Math.max(rssPeak, await rssBytes(pid));
    for (const socket of stalled) socket.destroy();

    // Shrink each failing case: the fewest of its mutations that still fail.
    const report: string[] = [];
    for (const f of failures.slice(0, 10)) {
      const still = async (ms: readonly (typeof f.c.mutations)[number][]) =>
        problemOf(await client.send(f.c.build(ms))) !== undefined;
      const minimal = f.c.mutations.length > 1 ? await shrink(f.c.mutations, still) : [...f.c.mutations];
      report.push(
        `case ${f.c.n} (${f.c.shape} ${f.c.kind.plural}): ${f.problem}\n    ${minimal.map(describeMutation).join("; ")}`,
      );
    }
    for (const [path, text] of before) {
      if (accepted.has(path)) continue;
      const now = await client.send({ method: "GET", path });
      const was = JSON.parse(text) as Manifest;
      const is = now.ok ? (JSON.parse(now.body) as Manifest) : undefined;
      if (is?.metadata["resourceVersion"] !== was.metadata["resourceVersion"])
        problems.push(`${path} changed though every write to it was refused`);
    }
    if (rssPeak - rssAtStart > RSS_GROWTH_LIMIT_BYTES)
      problems.push(`RSS grew from ${rssAtStart >> 20} MiB to ${rssPeak >> 20} MiB`);
    const ready = await client.send({ method: "GET", path: "/readyz" });
    if (!ready.ok || ready.body !== "ok") problems.push(`/readyz at the end: ${JSON.stringify(ready)}`);
    process.stdout.write(
      `fuzz seed ${seed}: ${numbers.length} cases over ${kinds.length} served kinds, ${failures.length} failed, ` +
        `${sessions} misbehaving sessions, ` +
        `longest answer ${Math.round(longest)} ms (${longestCase}), RSS ${rssAtStart >> 20} -> ${rssPeak >> 20} MiB\n`,
    );
    expect(
      [...report, ...problems],
      `seed ${seed} (replay: BERTH_FUZZ_SEED=${seed} BERTH_FUZZ_CASE=<case>)`,
    ).toEqual([]);
  }, 240_000);

  it("holds Kubernetes' size limits, each with kube-apiserver's text, and stores nothing refused", async () => {
    const post = (path: string, object: unknown) =>
      client.send({
        method: "POST",
        path: `/api/v1/namespaces/${FUZZ_NAMESPACE}/${path}`,
        contentType: "application/json",
        body: Buffer.from(JSON.stringify(object)),
      });
    const refusal = (answer: Answer) => {
      if (!answer.ok) return answer.error;
      const status = JSON.parse(answer.body) as { code?: number; reason?: string; message?: string };
      return `${status.code} ${status.reason}: ${status.message}`;
    };
    const x = (n: number) => "x".repeat(n);
    const b64 = (n: number) => Buffer.alloc(n, 7).toString("base64");
    // At the limit: accepted.
    const atLimit = await Promise.all([
      post("configmaps", {
        metadata: { name: "cm-1mib" },
        data: { a: x(MIB / 2) },
        binaryData: { b: b64(MIB / 2) },
      }),
      post("secrets", { metadata: { name: "secret-1mib" }, data: { a: b64(MIB) } }),
      post("configmaps", { metadata: { name: "ann-256kib", annotations: { a: x(256 * 1024 - 1) } } }),
    ]);
    expect(atLimit.map((a) => (a.ok ? a.status : a.error))).toEqual([201, 201, 201]);
    // One byte over: refused.
    const over: [string, Answer][] = [
      [
        "configmaps/cm-over",
        await post("configmaps", {
          metadata: { name: "cm-over" },
          data: { a: x(MIB / 2), b: x(MIB / 2 + 1) },
        }),
      ],
      [
        "secrets/secret-over",
        await post("secrets", {
          metadata: { name: "secret-over" },
          data: { a: b64(MIB) },
          stringData: { s: "1" },
        }),
      ],
      [
        "configmaps/ann-over",
        await post("configmaps", { metadata: { name: "ann-over", annotations: { a: x(256 * 1024) } } }),
      ],
      [
        "pods/object-over",
        await post("pods", {
          metadata: { name: "object-over" },
          spec: {
            containers: [
              {
                name: "c",
                image: IMAGE,
                env: [0, 1, 2, 3].map((i) => ({ name: `E${i}`, value: x(MIB / 2) })),
              },
            ],
          },
        }),
      ],
      [
        "configmaps/body-over",
        await client.send({
          method: "POST",
          path: `/api/v1/namespaces/${FUZZ_NAMESPACE}/configmaps`,
          contentType: "application/json",
          body: Buffer.concat([
            Buffer.from('{"metadata":{"name":"body-over"},"data":{"a":"'),
            Buffer.alloc(3 * MIB, 0x78),
            Buffer.from('"}}'),
          ]),
        }),
      ],
    ];
    expect(over.map(([, a]) => refusal(a))).toEqual([
      '422 Invalid: ConfigMap "cm-over" is invalid: []: Too long: must have at most 1048576 bytes',
      '422 Invalid: Secret "secret-over" is invalid: data: Too long: must have at most 1048576 bytes',
      '422 Invalid: ConfigMap "ann-over" is invalid: metadata.annotations: Too long: must have at most 262144 bytes',
      "413 RequestEntityTooLarge: etcdserver: request is too large",
      "413 RequestEntityTooLarge: Request entity too large: limit is 3145728",
    ]);
    for (const [path] of over) {
      const got = await client.send({ method: "GET", path: `/api/v1/namespaces/${FUZZ_NAMESPACE}/${path}` });
      expect(got.ok && got.status, path).toBe(404);
    }
  }, 60_000);
});
