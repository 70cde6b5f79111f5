import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { isExpired } from "../../common/errors.js";
import { EventChannel } from "./event-channel.js";
import { openSqliteStorage } from "./sqlite/index.js";
import type { BookmarkEvent, Storage, StorageEvent, WatchOptions } from "./storage.js";
import { openWatchCache, type WatchCache } from "./watch-cache.js";

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
/** Waits for the cache's background loop (event-driven; the timeout only bounds a failure). */
const eventually = (check: () => void): Promise<void> => vi.waitFor(check, { timeout: 10_000, interval: 5 });

/** Reads n items from an async iterable and stops it. */
async function take<T>(it: AsyncIterable<T>, n: number): Promise<T[]> {
  const out: T[] = [];
  if (n === 0) return out;
  for await (const v of it) {
    out.push(v);
    if (out.length === n) break;
  }
  return out;
}

/** Delegates to a real store; its watches can be made to fail, as a lost etcd stream would. */
class FlakyStorage implements Storage {
  readonly upstream = new Set<EventChannel<StorageEvent>>();
  constructor(private readonly inner: Storage) {}
  revision = () => this.inner.revision();
  get = (key: string) => this.inner.get(key);
  /** Lists that reached the store. */
  lists = 0;
  /** While set, paged lists (the cache's re-list) wait for it: a re-list that takes its time. */
  gate: Promise<void> | undefined;
  list = async (o: Parameters<Storage["list"]>[0]) => {
    if (o.limit !== undefined) await this.gate;
    this.lists++;
    return this.inner.list(o);
  };
  create = (k: string, v: Uint8Array) => this.inner.create(k, v);
  update = (k: string, v: Uint8Array, r?: number) => this.inner.update(k, v, r);
  delete = (k: string, r?: number) => this.inner.delete(k, r);
  compact = (keep: number) => this.inner.compact(keep);
  close = () => this.inner.close();
  watch(options: WatchOptions): AsyncIterable<StorageEvent> {
    const channel = new EventChannel<StorageEvent>(options.signal);
    this.upstream.add(channel);
    void (async () => {
      for await (const e of this.inner.watch(options)) channel.push(e);
    })().catch((err: unknown) => channel.fail(err));
    return channel;
  }
  breakWatches(): void {
    for (const c of this.upstream) c.fail(new Error("stream lost"));
    this.upstream.clear();
  }
}

describe("WatchCache", () => {
  let backend: Storage;
  let cache: WatchCache;
  beforeEach(async () => {
    backend = await openSqliteStorage({ path: ":memory:", compactIntervalMs: 0 });
  });
  afterEach(async () => {
    vi.useRealTimers();
    await cache?.close();
    await backend.close();
  });

  it("loads existing objects and serves any-freshness lists from memory", async () => {
    for (let i = 0; i < 1200; i++)
      await backend.create(`/registry/pods/ns/p${String(i).padStart(4, "0")}`, enc(`${i}`));
    cache = await openWatchCache(backend, { bookmarkIntervalMs: 0 });
    expect(cache.cachedRevision).toBe(1200);
    const page = await cache.list({
      prefix: "/registry/pods/",
      limit: 10,
      startAfter: "/registry/pods/ns/p0100",
      anyFreshness: true,
    });
    expect(page.items.map((i) => i.key)[0]).toBe("/registry/pods/ns/p0101");
    expect(page.more).toBe(true);
    expect(page.revision).toBe(1200);
    // The store is gone, memory still answers resourceVersion=0 lists.
    await backend.close();
    const all = await cache.list({ prefix: "/registry/", anyFreshness: true });
    expect(all.items).toHaveLength(1200);
  });

  it("answers Expired below its ring window, and serves everything above it", async () => {
    cache = await openWatchCache(backend, { capacity: 5, bookmarkIntervalMs: 0 });
    const revs: number[] = [];
    for (let i = 0; i < 8; i++) revs.push(await backend.create(`/k/${i}`, enc("v")));
    await eventually(() => expect(cache.cachedRevision).toBe(8));
    const err = await take(
      cache.watch({ prefix: "/", afterRevision: 2, signal: new AbortController().signal }),
      1,
    ).catch((e: unknown) => e);
    expect(isExpired(err)).toBe(true);
    expect((err as Error).message).toBe("too old resource version: 2 (3)");
    const events = await take(
      cache.watch({ prefix: "/", afterRevision: 3, signal: new AbortController().signal }),
      5,
    );
    expect(events.map((e) => e.revision)).toEqual([4, 5, 6, 7, 8]);
  });

  it("fans every event out to many watchers, filtered by prefix, in order", async () => {
    cache = await openWatchCache(backend, { bookmarkIntervalMs: 0 });
    const controller = new AbortController();
    const all = Array.from({ length: 50 }, () =>
      take(cache.watch({ prefix: "/a/", afterRevision: 0, signal: controller.signal }), 20),
    );
    const other = take(cache.watch({ prefix: "/b/", afterRevision: 0, signal: controller.signal }), 5);
    for (let i = 0; i < 20; i++) {
      await backend.create(`/a/${i}`, enc("x"));
      if (i % 4 === 0) await backend.create(`/b/${i}`, enc("y"));
    }
    const results = await Promise.all(all);
    const expected = results[0]!.map((e) => e.revision);
    expect(expected).toHaveLength(20);
    expect([...expected].sort((a, b) => a - b)).toEqual(expected);
    for (const r of results) expect(r.map((e) => e.revision)).toEqual(expected);
    expect((await other).every((e) => e.key.startsWith("/b/"))).toBe(true);
    controller.abort();
  });

  it("sends bookmarks with the current revision only to watchers that asked", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    cache = await openWatchCache(backend, { bookmarkIntervalMs: 1000 });
    const controller = new AbortController();
    const withMarks = cache.watch({
      prefix: "/x/",
      afterRevision: 0,
      signal: controller.signal,
      bookmarks: true,
    });
    const plain = cache.watch({ prefix: "/x/", afterRevision: 0, signal: controller.signal });
    const marksDone = take(withMarks, 3);
    const plainDone = take(plain, 1);
    await backend.create("/x/1", enc("1"));
    await backend.create("/y/1", enc("elsewhere"));
    await eventually(() => expect(cache.cachedRevision).toBe(2));
    vi.advanceTimersByTime(1000);
    await backend.create("/x/2", enc("2"));
    const got = (await marksDone) as (StorageEvent | BookmarkEvent)[];
    expect(got.map((e) => e.type)).toEqual(["ADDED", "BOOKMARK", "ADDED"]);
    expect(got[1]!.revision).toBe(2);
    expect((await plainDone).map((e) => e.type)).toEqual(["ADDED"]);
    controller.abort();
  });

  it("ends the stream of a watcher that falls too far behind", async () => {
    cache = await openWatchCache(backend, { maxPending: 5, bookmarkIntervalMs: 0 });
    const stream = cache.watch({ prefix: "/", afterRevision: 0, signal: new AbortController().signal });
    const slow = stream[Symbol.asyncIterator]();
    const first = await Promise.all([slow.next(), backend.create("/s/0", enc("0"))]);
    expect(first[0].value?.revision).toBe(1);
    for (let i = 1; i < 12; i++) await backend.create(`/s/${i}`, enc(`${i}`));
    await eventually(() => expect(cache.cachedRevision).toBe(12));
    expect(cache.watcherCount).toBe(0);
    const rest: number[] = [];
    for (let r = await slow.next(); !r.done; r = await slow.next()) rest.push(r.value.revision);
    expect(rest).toEqual([2, 3, 4, 5, 6]);
  });

  it("ends its watches and re-lists when the upstream watch fails", async () => {
    const flaky = new FlakyStorage(backend);
    cache = await openWatchCache(flaky, { bookmarkIntervalMs: 0, relistBackoffMs: 0 });
    const controller = new AbortController();
    const events: StorageEvent[] = [];
    const watching = (async () => {
      for await (const e of cache.watch({ prefix: "/", afterRevision: 0, signal: controller.signal }))
        events.push(e);
    })();
    await backend.create("/f/1", enc("1"));
    await eventually(() => expect(events).toHaveLength(1));
    flaky.breakWatches();
    await watching; // ended, not failed: the client re-watches
    await backend.create("/f/2", enc("2"));
    await eventually(() => expect(cache.cachedRevision).toBe(2));
    const list = await cache.list({ prefix: "/f/", anyFreshness: true });
    expect(list.items.map((i) => i.key)).toEqual(["/f/1", "/f/2"]);
    controller.abort();
  });

  it("holds new watches while re-listing, then answers Expired for revisions before the new window", async () => {
    const flaky = new FlakyStorage(backend);
    cache = await openWatchCache(flaky, { bookmarkIntervalMs: 0, relistBackoffMs: 0 });
    await backend.create("/h/1", enc("1"));
    await eventually(() => expect(cache.cachedRevision).toBe(1));
    let open: () => void = () => undefined;
    flaky.gate = new Promise((resolve) => (open = resolve));
    flaky.breakWatches();
    await backend.create("/h/2", enc("2"));
    const held = take(
      cache.watch({ prefix: "/h/", afterRevision: 1, signal: new AbortController().signal }),
      1,
    ).catch((e: unknown) => e);
    // Memory is stale now, so a consistent list goes to the store.
    await eventually(async () => expect((await cache.list({ prefix: "/h/" })).items).toHaveLength(2));
    open();
    const err = await held;
    expect(isExpired(err)).toBe(true);
    expect((err as Error).message).toBe("too old resource version: 1 (2)");
    const fresh = take(
      cache.watch({ prefix: "/h/", afterRevision: 2, signal: new AbortController().signal }),
      1,
    );
    await backend.create("/h/3", enc("3"));
    expect((await fresh).map((e) => e.revision)).toEqual([3]);
  });

  it("serves consistent lists from memory once caught up, and exact-revision lists from the store", async () => {
    const counting = new FlakyStorage(backend);
    cache = await openWatchCache(counting, { bookmarkIntervalMs: 0 });
    const loaded = counting.lists;
    const r1 = await backend.create("/c/1", enc("1"));
    await backend.update("/c/1", enc("2"));
    const now = await cache.list({ prefix: "/c/" });
    expect(now.revision).toBe(2);
    expect(new TextDecoder().decode(now.items[0]!.value)).toBe("2");
    expect(counting.lists).toBe(loaded);
    const old = await cache.list({ prefix: "/c/", revision: r1 });
    expect(new TextDecoder().decode(old.items[0]!.value)).toBe("1");
    expect(counting.lists).toBe(loaded + 1);
  });
});
