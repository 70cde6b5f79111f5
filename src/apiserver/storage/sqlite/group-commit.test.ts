import { DatabaseSync } from "node:sqlite";
import { describe, expect, it } from "vitest";
import { BerthError, ErrorCode, isAlreadyExists, isConflict } from "../../../common/errors.js";
import { GroupCommit } from "./group-commit.js";
import { openSqliteStorage } from "./sqlite-storage.js";

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

describe("GroupCommit", () => {
  it("commits a batch once, fails BerthErrors alone, and rolls everything back on other errors", async () => {
    const db = new DatabaseSync(":memory:");
    db.exec("CREATE TABLE t (v TEXT)");
    const log: string[] = [];
    const commits = new GroupCommit(db, {
      begin: () => log.push("begin"),
      committed: () => log.push("committed"),
      rolledBack: () => log.push("rolledBack"),
      wrap: (err) => new BerthError(ErrorCode.Internal, String(err)),
    });
    const insert = (v: string) => () => db.prepare("INSERT INTO t (v) VALUES (?)").run(v).changes;
    const ok = await Promise.allSettled([
      commits.submit(insert("a")),
      commits.submit(() => {
        throw new BerthError(ErrorCode.Conflict, "no");
      }),
      commits.submit(insert("b")),
    ]);
    expect(ok.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(log).toEqual(["begin", "committed"]);
    const bad = await Promise.allSettled([
      commits.submit(insert("c")),
      commits.submit(() => {
        throw new Error("disk on fire");
      }),
    ]);
    expect(bad.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    expect((bad[0] as PromiseRejectedResult).reason).toMatchObject({ code: ErrorCode.Internal });
    expect(log).toEqual(["begin", "committed", "begin", "rolledBack"]);
    expect(
      db
        .prepare("SELECT v FROM t ORDER BY v")
        .all()
        .map((r) => r["v"]),
    ).toEqual(["a", "b"]);
    expect(db.isTransaction).toBe(false);
    db.close();
  });

  it("splits a long queue into batches of at most maxBatch", async () => {
    const db = new DatabaseSync(":memory:");
    let batches = 0;
    const commits = new GroupCommit(
      db,
      {
        begin: () => batches++,
        committed: () => undefined,
        rolledBack: () => undefined,
        wrap: () => new BerthError(ErrorCode.Internal, "x"),
      },
      10,
    );
    const results = await Promise.all(Array.from({ length: 25 }, (_, i) => commits.submit(() => i)));
    expect(results).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(batches).toBe(3);
    db.close();
  });
});

describe("SqliteStorage group commit", () => {
  it("keeps conditional writes atomic inside one batch", async () => {
    const s = await openSqliteStorage({ path: ":memory:", compactIntervalMs: 0 });
    const r1 = await s.create("/k", enc("0"));
    const results = await Promise.allSettled([
      s.create("/new", enc("1")),
      s.create("/new", enc("2")),
      s.update("/k", enc("a"), r1),
      s.update("/k", enc("b"), r1),
      s.delete("/k", r1),
    ]);
    expect(results.map((r) => r.status)).toEqual([
      "fulfilled",
      "rejected",
      "fulfilled",
      "rejected",
      "rejected",
    ]);
    expect(isAlreadyExists((results[1] as PromiseRejectedResult).reason)).toBe(true);
    expect(isConflict((results[3] as PromiseRejectedResult).reason)).toBe(true);
    expect(isConflict((results[4] as PromiseRejectedResult).reason)).toBe(true);
    // Revisions of one batch are contiguous and global.
    expect([
      (results[0] as PromiseFulfilledResult<number>).value,
      (results[2] as PromiseFulfilledResult<number>).value,
    ]).toEqual([2, 3]);
    expect(await s.revision()).toBe(3);
    await s.close();
  });

  it("commits writes accepted before close", async () => {
    const s = await openSqliteStorage({ path: ":memory:", compactIntervalMs: 0 });
    const pending = s.create("/late", enc("x"));
    await s.close();
    expect(await pending).toBe(1);
  });
});
