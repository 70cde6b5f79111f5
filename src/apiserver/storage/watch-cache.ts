import { setImmediate as nextTurn, setTimeout as sleep } from "node:timers/promises";
import { BerthError, ErrorCode, errorMessage } from "../../common/errors.js";
import { silentLogger, type Logger } from "../../common/log.js";
import { storageClosed, tooOldRevision } from "./errors.js";
import { EventChannel } from "./event-channel.js";
import { EventRing } from "./event-ring.js";
import { checkLimit, checkPrefix, checkRevision, hasPrefix } from "./keys.js";
import { ObjectIndex } from "./object-index.js";
import type {
  BookmarkEvent,
  BookmarkingStorage,
  BookmarkWatchOptions,
  ListOptions,
  ListResult,
  Storage,
  StorageEvent,
  StoredObject,
  WatchOptions,
} from "./storage.js";

/** Events kept in memory for watch-from-revision (kube-apiserver sizes its cacher ring similarly). */
export const WATCH_CACHE_CAPACITY = 10_000;
/** How often bookmark watchers hear the current revision (kube-apiserver: about once a minute). */
export const WATCH_CACHE_BOOKMARK_INTERVAL_MS = 60_000;
/** Undelivered events a watcher may pile up before the cache ends its stream (the client re-watches). */
export const WATCH_CACHE_MAX_PENDING = 10_000;
/** Wait before re-listing after the upstream watch failed. */
export const WATCH_CACHE_RELIST_BACKOFF_MS = 1_000;
/** Page size of the initial list (keeps etcd responses under gRPC's message limit). */
const LIST_PAGE = 500;

export interface WatchCacheOptions {
  /** The key range cached and watched upstream ("" = everything). */
  readonly prefix?: string;
  readonly capacity?: number;
  readonly bookmarkIntervalMs?: number;
  readonly maxPending?: number;
  /** Wait before re-listing after the upstream watch failed (default WATCH_CACHE_RELIST_BACKOFF_MS). */
  readonly relistBackoffMs?: number;
  readonly logger?: Logger;
}

type CacheEvent = StorageEvent | BookmarkEvent;

interface CacheWatcher {
  readonly prefix: string;
  readonly after: number;
  readonly bookmarks: boolean;
  readonly channel: EventChannel<CacheEvent>;
}

function checkOptions(options: WatchCacheOptions): void {
  if (options.prefix !== undefined) checkPrefix(options.prefix);
  for (const name of ["capacity", "bookmarkIntervalMs", "maxPending", "relistBackoffMs"] as const) {
    const v = options[name];
    if (v !== undefined && (!Number.isSafeInteger(v) || v < 0)) {
      throw new BerthError(ErrorCode.Config, `watch cache: ${name} must be a non-negative integer`);
    }
  }
}

/**
 * kube-apiserver's cacher, in front of any Storage. One upstream watch feeds a full copy of the
 * objects under `prefix` and a ring of recent events. Watches are served from the ring and then
 * live, with one synchronous push per matching watcher (no polling). Reads:
 *  - list with anyFreshness (resourceVersion=0): from memory, at the cache's revision;
 *  - list without revision (consistent): from memory when the cache has caught up with the store's
 *    current revision, else from the store;
 *  - list at a revision, get, and every write: passed to the store.
 * If the upstream watch fails, the cache ends every watch (clients re-watch, as with kube's 410s
 * or closed streams), re-lists and resumes.
 */
export class WatchCache implements BookmarkingStorage {
  private readonly index = new ObjectIndex();
  private readonly ring: EventRing;
  private readonly watchers = new Set<CacheWatcher>();
  private readonly root: string;
  private readonly maxPending: number;
  private readonly relistBackoffMs: number;
  private readonly log: Logger;
  private readonly stopper = new AbortController();
  private readonly bookmarkTimer: NodeJS.Timeout | undefined;
  private rev = 0;
  private loop: Promise<void> | undefined;
  /** The upstream watch is registered and the objects are current: serve from memory. */
  private healthy = false;
  private readyWaiters: (() => void)[] = [];
  private isClosed = false;

  constructor(
    private readonly backend: Storage,
    options: WatchCacheOptions = {},
  ) {
    checkOptions(options);
    this.root = options.prefix ?? "";
    this.ring = new EventRing(options.capacity ?? WATCH_CACHE_CAPACITY, 0);
    this.maxPending = options.maxPending ?? WATCH_CACHE_MAX_PENDING;
    this.relistBackoffMs = options.relistBackoffMs ?? WATCH_CACHE_RELIST_BACKOFF_MS;
    this.log = (options.logger ?? silentLogger()).child({ storage: "watch-cache", prefix: this.root });
    const interval = options.bookmarkIntervalMs ?? WATCH_CACHE_BOOKMARK_INTERVAL_MS;
    if (interval > 0) {
      this.bookmarkTimer = setInterval(() => this.sendBookmarks(), interval);
      this.bookmarkTimer.unref();
    }
  }

  /** Loads the objects and starts the upstream watch; resolves once the watch is registered. */
  async start(): Promise<void> {
    await this.relist();
    const ready = this.whenReady();
    this.loop = this.run();
    await ready;
  }

  /** The revision the cache has seen up to. */
  get cachedRevision(): number {
    return this.rev;
  }

  /** Watchers currently attached. */
  get watcherCount(): number {
    return this.watchers.size;
  }

  revision(): Promise<number> {
    return this.backend.revision();
  }

  get(key: string): Promise<StoredObject | undefined> {
    return this.backend.get(key);
  }

  async list(options: ListOptions): Promise<ListResult> {
    if (this.isClosed) throw storageClosed();
    checkPrefix(options.prefix);
    checkLimit(options.limit);
    checkRevision("revision", options.revision);
    const cached = hasPrefix(options.prefix, this.root) && this.healthy;
    if (!cached || (options.revision !== undefined && options.revision !== 0))
      return this.backend.list(options);
    if (!options.anyFreshness && !(await this.caughtUp())) return this.backend.list(options);
    const { items, more } = this.index.scan(options.prefix, options.startAfter, options.limit ?? 0);
    return { items, more, revision: this.rev };
  }

  create(key: string, value: Uint8Array): Promise<number> {
    return this.backend.create(key, value);
  }

  update(key: string, value: Uint8Array, expectedRevision?: number): Promise<number> {
    return this.backend.update(key, value, expectedRevision);
  }

  delete(key: string, expectedRevision?: number): Promise<{ object: StoredObject; revision: number }> {
    return this.backend.delete(key, expectedRevision);
  }

  /** Compacts the store, and forgets cached history at or below the compacted revision too. */
  async compact(keep: number): Promise<number> {
    const compacted = await this.backend.compact(keep);
    // The cache may not have seen the compacted revision yet: events up to it are then applied to
    // the objects but no longer kept in the ring.
    this.ring.dropThrough(compacted);
    return compacted;
  }

  watch(options: BookmarkWatchOptions): AsyncIterable<StorageEvent | BookmarkEvent>;
  watch(options: WatchOptions): AsyncIterable<StorageEvent>;
  watch(options: WatchOptions | BookmarkWatchOptions): AsyncIterable<CacheEvent> {
    return { [Symbol.asyncIterator]: () => this.stream(options) };
  }

  /** Stops the cache and ends its watches. The backend stays open: its owner closes it. */
  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    if (this.bookmarkTimer !== undefined) clearInterval(this.bookmarkTimer);
    this.stopper.abort();
    this.endWatchers();
    this.markReady();
    await this.loop;
  }

  private async *stream(options: WatchOptions | BookmarkWatchOptions): AsyncGenerator<CacheEvent> {
    if (this.isClosed) throw storageClosed();
    checkPrefix(options.prefix);
    checkRevision("afterRevision", options.afterRevision);
    if (!hasPrefix(options.prefix, this.root)) {
      // Outside the cached range: the store serves it (without bookmarks).
      yield* this.backend.watch(options);
      return;
    }
    if (!this.healthy) {
      // Re-listing after a lost upstream watch: wait, then judge the revision against the new window.
      await Promise.race([this.whenReady(), once(options.signal)]);
      if (options.signal.aborted || this.isClosed) return;
    }
    const after = options.afterRevision;
    if (after < this.ring.windowStart) throw tooOldRevision(after, this.ring.windowStart);
    if (options.signal.aborted) return;
    const watcher: CacheWatcher = {
      prefix: options.prefix,
      after,
      bookmarks: "bookmarks" in options && options.bookmarks === true,
      channel: new EventChannel<CacheEvent>(options.signal),
    };
    // Replay and subscription happen in one synchronous step: nothing can slip in between.
    for (const e of this.ring.since(after)) {
      if (hasPrefix(e.key, watcher.prefix)) watcher.channel.push(e);
    }
    this.watchers.add(watcher);
    options.onStarted?.();
    try {
      yield* watcher.channel;
    } finally {
      this.watchers.delete(watcher);
      watcher.channel.close();
    }
  }

  private apply(event: StorageEvent): void {
    if (event.revision <= this.rev) return;
    this.rev = event.revision;
    if (event.type === "DELETED") this.index.delete(event.key);
    else
      this.index.set({
        key: event.key,
        value: event.value,
        modRevision: event.revision,
        createRevision:
          event.type === "ADDED" ? event.revision : (this.index.get(event.key)?.createRevision ?? 0),
      });
    this.ring.push(event);
    for (const w of this.watchers) {
      if (event.revision <= w.after || !hasPrefix(event.key, w.prefix)) continue;
      if (w.channel.size >= this.maxPending) {
        this.log.warn({ prefix: w.prefix, pending: w.channel.size }, "watcher too slow, ending its stream");
        this.watchers.delete(w);
        w.channel.close();
        continue;
      }
      w.channel.push(event);
    }
  }

  /**
   * Whether memory is as fresh as the store (kube's consistent reads from cache). A write that
   * just returned may still be on its way through the upstream watch: give it one turn of the
   * event loop, then let the store answer rather than wait.
   */
  private async caughtUp(): Promise<boolean> {
    const current = await this.backend.revision();
    if (current <= this.rev) return true;
    await nextTurn();
    return current <= this.rev;
  }

  private sendBookmarks(): void {
    const bookmark: BookmarkEvent = { type: "BOOKMARK", revision: this.rev };
    for (const w of this.watchers) {
      if (w.bookmarks && this.rev > w.after) w.channel.push(bookmark);
    }
  }

  /** Reads every object under the root at one revision, and restarts the ring there. */
  private async relist(): Promise<void> {
    const objects: StoredObject[] = [];
    let revision = 0;
    let startAfter: string | undefined;
    for (;;) {
      const page = await this.backend.list({
        prefix: this.root,
        limit: LIST_PAGE,
        ...(revision > 0 ? { revision } : {}),
        ...(startAfter !== undefined ? { startAfter } : {}),
      });
      revision = page.revision;
      objects.push(...page.items);
      const last = page.items[page.items.length - 1];
      if (!page.more || last === undefined) break;
      startAfter = last.key;
    }
    this.index.load(objects);
    this.rev = revision;
    this.ring.reset(revision);
    this.log.debug({ revision, objects: objects.length }, "cache loaded");
  }

  private async run(): Promise<void> {
    const signal = this.stopper.signal;
    while (!signal.aborted) {
      try {
        const upstream = this.backend.watch({
          prefix: this.root,
          afterRevision: this.rev,
          signal,
          onStarted: () => this.markReady(),
        });
        for await (const event of upstream) {
          this.apply(event);
        }
        if (signal.aborted) return;
        this.log.warn("upstream watch ended, re-listing");
      } catch (err) {
        if (signal.aborted) return;
        this.log.warn({ err: errorMessage(err) }, "upstream watch failed, re-listing");
      }
      // Events may have been missed: end every watch so that clients re-list, then reload.
      this.healthy = false;
      this.endWatchers();
      while (await pause(this.relistBackoffMs, signal)) {
        try {
          await this.relist();
          break;
        } catch (err) {
          this.log.warn({ err: errorMessage(err) }, "re-list failed");
        }
      }
    }
  }

  private markReady(): void {
    this.healthy = true;
    const waiters = this.readyWaiters;
    this.readyWaiters = [];
    for (const w of waiters) w();
  }

  private whenReady(): Promise<void> {
    return this.healthy ? Promise.resolve() : new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  private endWatchers(): void {
    for (const w of this.watchers) w.channel.close();
    this.watchers.clear();
  }
}

/** Resolves when the signal aborts. */
function once(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", () => resolve(), { once: true });
  });
}

/** Waits, unless stopped first; true when the wait completed. */
async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}

/** Starts a watch cache in front of a store (it does not take ownership of the store). */
export async function openWatchCache(backend: Storage, options: WatchCacheOptions = {}): Promise<WatchCache> {
  const cache = new WatchCache(backend, options);
  await cache.start();
  return cache;
}
