import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ErrorCode, isExpired } from "../../../common/errors.js";
import type { StorageEvent } from "../storage.js";
import { openSqliteStorage, type SqliteStorageOptions } from "./sqlite-storage.js";

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

describe("SqliteStorage", () => {
  let dir: string | undefined;
  afterEach(() => {
    vi.useRealTimers();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it.each<[string, SqliteStorageOptions]>([
    ["empty path", { path: "" }],
    ["negative compactKeep", { path: ":memory:", compactKeep: -1 }],
    ["fractional interval", { path: ":memory:", compactIntervalMs: 1.5 }],
    ["unknown synchronous", { path: ":memory:", synchronous: "off" as "full" }],
    ["unopenable file", { path: "/proc/definitely/not/here.db" }],
  ])("rejects %s with a Config error", async (_name, options) => {
    await expect(openSqliteStorage(options)).rejects.toMatchObject({ code: ErrorCode.Config });
  });

  it("rejects a file that is not a database with a Config error", async () => {
    dir = mkdtempSync(join(tmpdir(), "berth-sqlite-unit-"));
    const path = join(dir, "not-a-db");
    writeFileSync(path, "x".repeat(4096));
    await expect(openSqliteStorage({ path, compactIntervalMs: 0 })).rejects.toMatchObject({
      code: ErrorCode.Config,
      message: expect.stringContaining("cannot open"),
    });
  });

  it("refuses work after close", async () => {
    const s = await openSqliteStorage({ path: ":memory:", compactIntervalMs: 0 });
    await s.close();
    await s.close();
    await expect(s.get("/a")).rejects.toMatchObject({
      code: ErrorCode.Internal,
      message: "storage is closed",
    });
    await expect(s.create("/a", enc("x"))).rejects.toMatchObject({ code: ErrorCode.Internal });
  });

  it("keeps revision and compaction state across reopen", async () => {
    dir = mkdtempSync(join(tmpdir(), "berth-sqlite-unit-"));
    const path = join(dir, "db");
    const s1 = await openSqliteStorage({ path, compactIntervalMs: 0 });
    for (let i = 0; i < 5; i++) await s1.create(`/k/${i}`, enc(`${i}`));
    await s1.delete("/k/4");
    expect(await s1.compact(0)).toBe(6);
    await s1.close();
    const s2 = await openSqliteStorage({ path, compactIntervalMs: 0 });
    // The newest row (a tombstone) was compacted away, yet revisions continue after it.
    expect(await s2.revision()).toBe(6);
    expect(await s2.create("/k/new", enc("n"))).toBe(7);
    await expect(s2.list({ prefix: "/k/", revision: 5 })).rejects.toMatchObject({ code: ErrorCode.Expired });
    expect((await s2.list({ prefix: "/k/" })).items).toHaveLength(5);
    await s2.close();
  });

  it("compacts periodically, keeping compactKeep revisions", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    const s = await openSqliteStorage({ path: ":memory:", compactKeep: 3, compactIntervalMs: 60_000 });
    await s.create("/k", enc("0"));
    for (let i = 1; i < 10; i++) await s.update("/k", enc(`${i}`));
    vi.advanceTimersByTime(60_000);
    const err = await s.list({ prefix: "/", revision: 6 }).catch((e: unknown) => e);
    expect(isExpired(err)).toBe(true);
    expect((await s.list({ prefix: "/", revision: 7 })).items).toHaveLength(1);
    await s.close();
  });

  it("replays long history in pages under a prefix, then continues live", async () => {
    const s = await openSqliteStorage({ path: ":memory:", compactIntervalMs: 0 });
    for (let i = 0; i < 1300; i++) {
      await s.create(`/a/${i}`, enc(`${i}`));
      await s.create(`/b/${i}`, enc(`${i}`));
    }
    const controller = new AbortController();
    const got: StorageEvent[] = [];
    for await (const e of s.watch({ prefix: "/a/", afterRevision: 0, signal: controller.signal })) {
      got.push(e);
      if (got.length === 1300) await s.update("/a/0", enc("live"));
      if (got.length === 1301) break;
    }
    expect(got.map((e) => e.revision)).toEqual([...Array.from({ length: 1300 }, (_, i) => 2 * i + 1), 2601]);
    expect(got[1300]).toMatchObject({ type: "MODIFIED", key: "/a/0" });
    await s.close();
  });

  it("fails a replaying watcher with Expired when compaction overtakes it", async () => {
    const s = await openSqliteStorage({ path: ":memory:", compactIntervalMs: 0 });
    for (let i = 0; i < 1200; i++) await s.create(`/a/${i}`, enc(`${i}`));
    const seen: number[] = [];
    const err = await (async () => {
      for await (const e of s.watch({
        prefix: "/a/",
        afterRevision: 0,
        signal: new AbortController().signal,
      })) {
        seen.push(e.revision);
        if (seen.length === 10) await s.compact(100);
      }
    })().catch((e: unknown) => e);
    expect(isExpired(err)).toBe(true);
    // Never a gap: what was delivered is a contiguous run.
    expect(seen).toEqual(Array.from({ length: seen.length }, (_, i) => i + 1));
    await s.close();
  });

  it("ends the stream of a watcher that stops reading", async () => {
    const s = await openSqliteStorage({ path: ":memory:", compactIntervalMs: 0, watchMaxPending: 3 });
    const stream = s.watch({ prefix: "/", afterRevision: 0, signal: new AbortController().signal });
    const it = stream[Symbol.asyncIterator]();
    const first = it.next();
    await s.create("/a", enc("1"));
    expect((await first).value?.revision).toBe(1);
    for (let i = 0; i < 6; i++) await s.update("/a", enc(`${i}`));
    const rest: number[] = [];
    for (let r = await it.next(); !r.done; r = await it.next()) rest.push(r.value.revision);
    expect(rest).toEqual([2, 3, 4]);
    await s.close();
  });

  it("waits for revisions beyond the head", async () => {
    const s = await openSqliteStorage({ path: ":memory:", compactIntervalMs: 0 });
    await s.create("/a", enc("1"));
    const controller = new AbortController();
    const first = (async () => {
      for await (const e of s.watch({ prefix: "/", afterRevision: 2, signal: controller.signal })) return e;
      return undefined;
    })();
    await s.update("/a", enc("2"));
    await s.update("/a", enc("3"));
    expect((await first)?.revision).toBe(3);
    await s.close();
  });
});
