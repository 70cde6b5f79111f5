import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ErrorCode, isAlreadyExists, isConflict, isExpired, isNotFound } from "../../src/common/errors.js";
import type { Storage } from "../../src/apiserver/storage/index.js";
import { collect, dec, enc, startWatch } from "./helpers.js";

/** A storage under test and the key prefix it may use (etcd tests share one server). */
export interface SuiteTarget {
  readonly storage: Storage;
  /** A prefix no other test writes under, e.g. "/t3". */
  readonly root: string;
  readonly close: () => Promise<void>;
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error("expected a rejection");
}

/**
 * One behavioural suite for every Storage: the SQLite backend, the etcd backend and the watch
 * cache in front of each. Tests only assume that revisions are global and increasing, never their
 * values, because etcd's revision counter is shared by every test on the server.
 */
export function storageSuite(name: string, open: () => Promise<SuiteTarget>): void {
  describe(`storage: ${name}`, () => {
    let t: SuiteTarget;
    let s: Storage;
    let k: (p: string) => string;
    beforeEach(async () => {
      t = await open();
      s = t.storage;
      k = (p) => `${t.root}/${p}`;
    });
    afterEach(async () => {
      await t.close();
    });

    it("creates, gets, updates and deletes", async () => {
      const r1 = await s.create(k("a"), enc("v1"));
      const got = await s.get(k("a"));
      expect(got).toBeDefined();
      expect(dec(got!.value)).toBe("v1");
      expect(got!.modRevision).toBe(r1);
      expect(got!.createRevision).toBe(r1);
      const r2 = await s.update(k("a"), enc("v2"), r1);
      expect(r2).toBeGreaterThan(r1);
      const got2 = await s.get(k("a"));
      expect(dec(got2!.value)).toBe("v2");
      expect(got2!.modRevision).toBe(r2);
      expect(got2!.createRevision).toBe(r1);
      const del = await s.delete(k("a"), r2);
      expect(del.revision).toBeGreaterThan(r2);
      expect(dec(del.object.value)).toBe("v2");
      expect(del.object.modRevision).toBe(r2);
      expect(await s.get(k("a"))).toBeUndefined();
      expect(await s.revision()).toBeGreaterThanOrEqual(del.revision);
    });

    it("answers AlreadyExists, NotFound and Conflict", async () => {
      const r1 = await s.create(k("b"), enc("x"));
      expect(isAlreadyExists(await rejection(s.create(k("b"), enc("y"))))).toBe(true);
      expect(isNotFound(await rejection(s.update(k("missing"), enc("y"))))).toBe(true);
      expect(isNotFound(await rejection(s.delete(k("missing"))))).toBe(true);
      const r2 = await s.update(k("b"), enc("y"), r1);
      const stale = await rejection(s.update(k("b"), enc("z"), r1));
      expect(isConflict(stale)).toBe(true);
      expect(isConflict(await rejection(s.delete(k("b"), r1)))).toBe(true);
      expect(dec((await s.get(k("b")))!.value)).toBe("y");
      expect((await s.get(k("b")))!.modRevision).toBe(r2);
      // A deleted key can be created again, with a new createRevision.
      await s.delete(k("b"));
      const r3 = await s.create(k("b"), enc("again"));
      expect((await s.get(k("b")))!.createRevision).toBe(r3);
    });

    it("updates unconditionally without an expected revision", async () => {
      await s.create(k("c"), enc("1"));
      const r = await s.update(k("c"), enc("2"));
      expect((await s.get(k("c")))!.modRevision).toBe(r);
      expect(dec((await s.get(k("c")))!.value)).toBe("2");
    });

    it("rejects bad input with BadRequest", async () => {
      for (const p of [s.create("no-slash", enc("x")), s.get(""), s.list({ prefix: "x" })]) {
        const err = await rejection(p);
        expect(err).toMatchObject({ code: ErrorCode.BadRequest });
      }
      const bad = await rejection(s.create(k("d"), "text" as unknown as Uint8Array));
      expect(bad).toMatchObject({ code: ErrorCode.BadRequest });
      expect(await rejection(s.list({ prefix: k(""), limit: -1 }))).toMatchObject({
        code: ErrorCode.BadRequest,
      });
    });

    it("lists by prefix with limit, startAfter and revision", async () => {
      const revs: number[] = [];
      for (const n of ["p/a", "p/b", "p/c", "p/d", "q/a", "p2"]) revs.push(await s.create(k(n), enc(n)));
      const all = await s.list({ prefix: k("p/") });
      expect(all.items.map((i) => dec(i.value))).toEqual(["p/a", "p/b", "p/c", "p/d"]);
      expect(all.more).toBe(false);
      expect(all.revision).toBeGreaterThanOrEqual(revs[5]!);
      const page1 = await s.list({ prefix: k("p/"), limit: 2 });
      expect(page1.items.map((i) => dec(i.value))).toEqual(["p/a", "p/b"]);
      expect(page1.more).toBe(true);
      const page2 = await s.list({
        prefix: k("p/"),
        limit: 2,
        startAfter: page1.items[1]!.key,
        revision: page1.revision,
      });
      expect(page2.items.map((i) => dec(i.value))).toEqual(["p/c", "p/d"]);
      expect(page2.more).toBe(false);
      expect(page2.revision).toBe(page1.revision);
      // As of an older revision: before p/c was created, and before a later update and delete.
      await s.update(k("p/a"), enc("changed"));
      await s.delete(k("p/b"));
      const old = await s.list({ prefix: k("p/"), revision: revs[1]! });
      expect(old.items.map((i) => dec(i.value))).toEqual(["p/a", "p/b"]);
      expect(old.revision).toBe(revs[1]);
      const now = await s.list({ prefix: k("p/") });
      expect(now.items.map((i) => dec(i.value))).toEqual(["changed", "p/c", "p/d"]);
      const objects = await s.list({ prefix: k("") });
      expect(objects.items.map((i) => i.key)).toEqual([k("p/a"), k("p/c"), k("p/d"), k("p2"), k("q/a")]);
    });

    it("gives every write a new, strictly increasing, global revision", async () => {
      const revs = await Promise.all(
        Array.from({ length: 20 }, (_, i) => s.create(k(`r/${i}`), enc(`${i}`))),
      );
      expect(new Set(revs).size).toBe(20);
      const sequential: number[] = [];
      for (let i = 0; i < 5; i++) sequential.push(await s.update(k(`r/${i}`), enc("u")));
      for (let i = 1; i < sequential.length; i++) expect(sequential[i]!).toBeGreaterThan(sequential[i - 1]!);
      expect(sequential[0]!).toBeGreaterThan(Math.max(...revs));
      expect(await s.revision()).toBeGreaterThanOrEqual(sequential[4]!);
    });

    it("watches from a revision: replayed history then live events, ordered, no gaps or duplicates", async () => {
      const base = await s.revision();
      const first: number[] = [];
      for (let i = 0; i < 30; i++) first.push(await s.create(k(`w/${i}`), enc(`${i}`)));
      await s.create(k("other/x"), enc("not watched"));
      const w = startWatch(s, { prefix: k("w/"), afterRevision: base });
      await w.waitFor(30);
      const live = await Promise.all(
        Array.from({ length: 30 }, (_, i) => s.update(k(`w/${i}`), enc(`u${i}`))),
      );
      const del = await s.delete(k("w/0"));
      await w.waitFor(61);
      w.stop();
      await w.done;
      const revs = w.events.map((e) => e.revision);
      expect(revs).toEqual([...first, ...[...live].sort((a, b) => a - b), del.revision]);
      expect(w.events.slice(0, 30).every((e) => e.type === "ADDED")).toBe(true);
      expect(w.events.slice(30, 60).every((e) => e.type === "MODIFIED")).toBe(true);
      expect(w.events.every((e) => e.key.startsWith(k("w/")))).toBe(true);
      // From the middle of history: only what came after.
      const mid = await collect(s, { prefix: k("w/"), afterRevision: first[14]! }, 15 + 30 + 1);
      expect(mid.map((e) => e.revision)).toEqual(revs.slice(15));
    });

    it("delivers DELETED with the last value, and MODIFIED with the previous one", async () => {
      const base = await s.revision();
      await s.create(k("d/x"), enc("one"));
      await s.update(k("d/x"), enc("two"));
      const del = await s.delete(k("d/x"));
      const events = await collect(s, { prefix: k("d/"), afterRevision: base }, 3);
      expect(events.map((e) => e.type)).toEqual(["ADDED", "MODIFIED", "DELETED"]);
      expect(dec(events[2]!.value)).toBe("two");
      expect(events[2]!.revision).toBe(del.revision);
      expect(dec(events[1]!.prevValue!)).toBe("one");
    });

    it("compacts history but keeps current objects, and expires older reads and watches", async () => {
      const created = await s.create(k("c/live"), enc("keep me"));
      await s.create(k("c/gone"), enc("delete me"));
      await s.delete(k("c/gone"));
      for (let i = 0; i < 10; i++)
        await s.update(k("c/busy"), enc(`${i}`)).catch(() => s.create(k("c/busy"), enc("0")));
      const before = await s.revision();
      const compactedAt = await s.compact(2);
      expect(compactedAt).toBe(before - 2);
      const live = await s.get(k("c/live"));
      expect(dec(live!.value)).toBe("keep me");
      expect(live!.modRevision).toBe(created);
      expect((await s.list({ prefix: k("c/") })).items.map((i) => i.key)).toEqual([k("c/busy"), k("c/live")]);
      const expired = await rejection(collect(s, { prefix: k("c/"), afterRevision: created }, 1, 5_000));
      expect(isExpired(expired)).toBe(true);
      expect((expired as Error).message).toMatch(/^too old resource version: \d+ \(\d+\)$/);
      expect(isExpired(await rejection(s.list({ prefix: k("c/"), revision: created })))).toBe(true);
      // Still readable at and after the compacted revision.
      const after = await s.list({ prefix: k("c/"), revision: compactedAt });
      expect(after.items.map((i) => i.key)).toContain(k("c/live"));
      await s.update(k("c/live"), enc("later"));
      const tail = await collect(s, { prefix: k("c/"), afterRevision: compactedAt }, 3);
      expect(tail.map((e) => e.revision)).toEqual([...tail.map((e) => e.revision)].sort((a, b) => a - b));
    });
  });
}
