import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { openEtcdStorage, openWatchCache } from "../../src/apiserver/storage/index.js";
import { ErrorCode } from "../../src/common/errors.js";
import { startEtcd, type EtcdServer } from "../support/etcd.js";
import { storageSuite } from "./suite.js";

let etcd: EtcdServer;
let n = 0;

beforeAll(async () => {
  etcd = await startEtcd();
});
afterAll(async () => {
  await etcd?.stop();
});

// One server for the file; each test gets its own key prefix, so revisions are shared but keys not.
storageSuite("etcd", async () => {
  const root = `/t${++n}`;
  const storage = await openEtcdStorage({ endpoints: [etcd.endpoint], prefix: "/berth-test" });
  return { storage, root, close: () => storage.close() };
});

storageSuite("watch cache over etcd", async () => {
  const root = `/t${++n}`;
  const backend = await openEtcdStorage({ endpoints: [etcd.endpoint], prefix: "/berth-test" });
  const storage = await openWatchCache(backend, { prefix: root, bookmarkIntervalMs: 0 });
  return {
    storage,
    root,
    close: async () => {
      await storage.close();
      await backend.close();
    },
  };
});

describe("etcd storage: large lists", () => {
  it("lists more than gRPC's default 4 MiB in one response", async () => {
    const storage = await openEtcdStorage({ endpoints: [etcd.endpoint], prefix: "/berth-big" });
    try {
      const big = new Uint8Array(1024 * 1024).fill(65);
      for (let i = 0; i < 6; i++) await storage.create(`/big/${i}`, big);
      const all = await storage.list({ prefix: "/big/" });
      expect(all.items).toHaveLength(6);
      expect(all.items.every((i) => i.value.byteLength === big.byteLength)).toBe(true);
    } finally {
      await storage.close();
    }
  });
});

describe("etcd storage: periodic compaction", () => {
  it("compacts on its interval, keeping compactKeep revisions", async () => {
    const storage = await openEtcdStorage({
      endpoints: [etcd.endpoint],
      prefix: "/berth-compact",
      compactKeep: 5,
      compactIntervalMs: 100,
    });
    try {
      const first = await storage.create("/c", new Uint8Array([0]));
      for (let i = 1; i < 20; i++) await storage.update("/c", new Uint8Array([i]));
      await vi.waitFor(
        async () => {
          await expect(storage.list({ prefix: "/", revision: first })).rejects.toMatchObject({
            code: ErrorCode.Expired,
          });
        },
        { timeout: 10_000, interval: 100 },
      );
      expect(Array.from((await storage.get("/c"))?.value ?? [])).toEqual([19]);
    } finally {
      await storage.close();
    }
  });
});

describe("etcd storage: setup", () => {
  it("fails clearly on an unreachable endpoint and on bad options", async () => {
    await expect(
      openEtcdStorage({ endpoints: ["http://127.0.0.1:1"], dialTimeoutMs: 500 }),
    ).rejects.toMatchObject({
      code: ErrorCode.Config,
    });
    await expect(openEtcdStorage({ endpoints: [] })).rejects.toMatchObject({ code: ErrorCode.Config });
    await expect(openEtcdStorage({ endpoints: [etcd.endpoint], compactKeep: -1 })).rejects.toMatchObject({
      code: ErrorCode.Config,
    });
    await expect(openEtcdStorage({ endpoints: ["localhost:2379"] })).rejects.toMatchObject({
      code: ErrorCode.Config,
    });
  });
});
