/**
 * Watches whose clients never read: the events they miss must not pile up in the server's memory
 * (kube-apiserver ends such a watcher when its buffer is full). Four of them watch configmaps
 * while 100 configmaps of 400 KB are created; the server's RSS stays bounded and it keeps serving.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApiServerProcess, type ApiServerProcess } from "../support/apiserver-process.js";
import { FuzzClient } from "../fuzz/client.js";
import { stalledWatches } from "../fuzz/misbehaving.js";
import { rssBytes } from "../fuzz/rss.js";

const CONFIGMAPS = "/api/v1/namespaces/default/configmaps";
/** 100 configmaps of 400 KB: 40 MB stored, 160 MB if four stalled watches buffered them all. */
const COUNT = 100;
const SIZE = 400_000;
const RSS_GROWTH_LIMIT_BYTES = 120 * 1024 * 1024;

describe("watches that never read", () => {
  let s: ApiServerProcess;
  let client: FuzzClient;
  beforeAll(async () => {
    s = await startApiServerProcess();
    client = new FuzzClient(s.url, s.token, s.caPem);
  });
  afterAll(async () => {
    await client.close();
    await s.stop();
  });

  it("cost the server no more than a bounded buffer each", async () => {
    const stalled = await stalledWatches(client, CONFIGMAPS, 4);
    const pid = s.process.pid ?? 0;
    const before = await rssBytes(pid);
    let peak = before;
    for (let i = 0; i < COUNT; i++) {
      const r = await client.send({
        method: "POST",
        path: CONFIGMAPS,
        contentType: "application/json",
        body: Buffer.from(JSON.stringify({ metadata: { name: `big-${i}` }, data: { a: "x".repeat(SIZE) } })),
      });
      expect(r.ok && r.status).toBe(201);
      if (i % 10 === 9) peak = Math.max(peak, await rssBytes(pid));
    }
    const ready = await client.send({ method: "GET", path: "/readyz" });
    for (const socket of stalled) socket.destroy();
    expect(ready.ok && ready.body).toBe("ok");
    expect(peak - before, `RSS ${before >> 20} -> ${peak >> 20} MiB`).toBeLessThan(RSS_GROWTH_LIMIT_BYTES);
  }, 120_000);
});
