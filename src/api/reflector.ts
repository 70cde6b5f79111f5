/**
 * A list-watch reflector (client-go's Reflector + a thread-safe store + informer handlers, in one
 * small class). It lists a collection, then watches from the list's resourceVersion, keeping a
 * local store keyed by namespace/name and telling a handler about every add, update and delete.
 *
 * - A watch that ends is resumed from the last resourceVersion seen (events and bookmarks).
 * - 410 Expired (an HTTP answer or an ERROR event) means the resourceVersion is too old: re-list
 *   (at once if the watch had made progress since the last list, else after a backoff), and reconcile the store like client-go's Replace: deletes for objects that vanished, adds for
 *   new ones, updates for ones whose resourceVersion changed.
 * - Other failures back off (exponential with jitter, on the injected clock) and retry: a failed
 *   list re-lists, a failed watch resumes from the last resourceVersion. A successful list, or a
 *   watch that delivers an event, resets the backoff.
 *
 * Lifecycle: start(signal), ready (the first list is in the store), stop().
 */
import { Backoff, type BackoffOptions } from "../common/backoff.js";
import { systemClock, type Clock } from "../common/clock.js";
import { BerthError, ErrorCode, errorMessage, isExpired } from "../common/errors.js";
import { createLogger, type Logger } from "../common/log.js";
import type { ApiClient } from "./client.js";
import { objectKey } from "./object-key.js";
import { statusError } from "./status-error.js";
import type { KubeObject } from "./types.js";

// client-go reflector: NewExponentialBackoffManager(800ms, 30s, 2min, 2.0, 1.0)
export const REFLECTOR_BACKOFF_INITIAL_MS = 800;
export const REFLECTOR_BACKOFF_MAX_MS = 30_000;
export const REFLECTOR_BACKOFF_RESET_MS = 120_000;
export const REFLECTOR_BACKOFF_JITTER = 1.0;
/** Server-side timeout asked of each watch. client-go: minWatchTimeout */
export const REFLECTOR_WATCH_TIMEOUT_SECONDS = 300;
/** Items per list page. client-go pager: defaultPageSize */
export const REFLECTOR_PAGE_SIZE = 500;

export interface ReflectorHandler<T> {
  onAdd?(obj: T): void | Promise<void>;
  onUpdate?(oldObj: T, newObj: T): void | Promise<void>;
  onDelete?(obj: T): void | Promise<void>;
}

export interface ReflectorOptions<T> {
  readonly client: Pick<ApiClient, "list" | "watch">;
  /** The collection, e.g. /api/v1/pods or /api/v1/namespaces/default/configmaps. */
  readonly path: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly handler: ReflectorHandler<T>;
  readonly clock?: Clock;
  /** Overrides of the retry backoff; the clock is the reflector's. */
  readonly backoff?: Partial<Omit<BackoffOptions, "clock">>;
  readonly pageSize?: number;
  readonly watchTimeoutSeconds?: number;
  readonly log?: Logger;
}

type Phase = "list" | "watch";

class PhaseError extends Error {
  constructor(
    readonly phase: Phase,
    readonly error: unknown,
  ) {
    super(errorMessage(error));
  }
}

export class Reflector<T extends KubeObject> {
  readonly ready: Promise<void>;
  readonly #options: ReflectorOptions<T>;
  readonly #backoff: Backoff;
  readonly #log: Logger;
  readonly #store = new Map<string, T>();
  #resourceVersion: string | undefined;
  /** Events and bookmarks received since the last list: tells progress from a spin. */
  #eventsSinceList = 0;
  #markReady: () => void = () => undefined;
  #failReady: (err: unknown) => void = () => undefined;
  #controller: AbortController | undefined;
  #running: Promise<void> | undefined;

  constructor(options: ReflectorOptions<T>) {
    if (!options.path.startsWith("/")) {
      throw new BerthError(ErrorCode.Config, `reflector path must start with "/": ${options.path}`);
    }
    const pageSize = options.pageSize ?? REFLECTOR_PAGE_SIZE;
    if (!Number.isInteger(pageSize) || pageSize < 1) {
      throw new BerthError(
        ErrorCode.Config,
        `reflector pageSize must be a positive integer, not ${pageSize}`,
      );
    }
    this.#options = options;
    this.#log = (options.log ?? createLogger({ name: "reflector" })).child({ path: options.path });
    this.#backoff = new Backoff({
      initialMs: REFLECTOR_BACKOFF_INITIAL_MS,
      maxMs: REFLECTOR_BACKOFF_MAX_MS,
      resetAfterMs: REFLECTOR_BACKOFF_RESET_MS,
      jitter: REFLECTOR_BACKOFF_JITTER,
      ...options.backoff,
      clock: options.clock ?? systemClock,
    });
    this.ready = new Promise<void>((resolve, reject) => {
      this.#markReady = resolve;
      this.#failReady = reject;
    });
    this.ready.catch(() => undefined);
  }

  /** The resourceVersion the store reflects (the last list, event or bookmark). */
  get lastSyncResourceVersion(): string | undefined {
    return this.#resourceVersion;
  }

  /** The stored object for "namespace/name" (or "name"). */
  get(key: string): T | undefined {
    return this.#store.get(key);
  }

  list(): T[] {
    return [...this.#store.values()];
  }

  get size(): number {
    return this.#store.size;
  }

  start(signal?: AbortSignal): void {
    if (this.#controller) throw new BerthError(ErrorCode.Internal, "reflector already started");
    const controller = new AbortController();
    this.#controller = controller;
    const forward = (): void => controller.abort(signal?.reason);
    if (signal?.aborted) forward();
    signal?.addEventListener("abort", forward, { once: true });
    this.#running = this.#run(controller.signal).finally(() => {
      signal?.removeEventListener("abort", forward);
      this.#failReady(new BerthError(ErrorCode.Internal, "reflector stopped before its first list"));
    });
  }

  async stop(): Promise<void> {
    this.#controller?.abort();
    await this.#running;
  }

  async #run(signal: AbortSignal): Promise<void> {
    let needList = true;
    while (!signal.aborted) {
      try {
        if (needList) {
          await this.#phase("list", () => this.#listAndReplace(signal));
          needList = false;
          this.#backoff.reset();
          this.#markReady();
        }
        const events = await this.#phase("watch", () => this.#watch(signal));
        if (events > 0) continue;
        // A watch that ended without a single event: do not spin on a server that hangs up.
        await this.#backoff.wait(signal);
      } catch (err) {
        if (signal.aborted) break;
        const { phase, error } = err instanceof PhaseError ? err : new PhaseError("watch", err);
        if (isExpired(error)) {
          this.#log.info(
            { resourceVersion: this.#resourceVersion, phase },
            "resource version expired, re-listing",
          );
          needList = true;
          // Straight to a fresh list when a watch that had made progress expires; a list that
          // expires (its continue token), or a watch that expires before delivering anything
          // since the last list, backs off like any failure so that nothing spins.
          if (phase === "watch" && this.#eventsSinceList > 0) continue;
        } else {
          this.#log.warn({ err: errorMessage(error), phase }, "list-watch failed, backing off");
        }
        await this.#backoff.wait(signal).catch(() => undefined);
      }
    }
  }

  async #phase<R>(phase: Phase, fn: () => Promise<R>): Promise<R> {
    try {
      return await fn();
    } catch (err) {
      throw new PhaseError(phase, err);
    }
  }

  async #listAndReplace(signal: AbortSignal): Promise<void> {
    const { client, path, labelSelector, fieldSelector } = this.#options;
    const items: T[] = [];
    let resourceVersion: string | undefined;
    let continueToken: string | undefined;
    do {
      const page = await client.list<T>(path, {
        labelSelector,
        fieldSelector,
        limit: this.#options.pageSize ?? REFLECTOR_PAGE_SIZE,
        continue: continueToken,
        signal,
      });
      if (!Array.isArray(page?.items)) {
        throw new BerthError(ErrorCode.Internal, `LIST ${path}: the answer has no items list`);
      }
      items.push(...page.items);
      resourceVersion = page.metadata?.resourceVersion;
      continueToken = page.metadata?.continue || undefined;
    } while (continueToken !== undefined);
    await this.#replace(items);
    this.#resourceVersion = resourceVersion;
    this.#eventsSinceList = 0;
    this.#log.debug({ items: items.length, resourceVersion }, "listed");
  }

  /** client-go Replace: reconcile the store with a complete list. */
  async #replace(items: readonly T[]): Promise<void> {
    const fresh = new Map<string, T>();
    for (const obj of items) {
      const key = objectKey(obj);
      if (key === undefined) this.#log.warn("listed object without a name, ignored");
      else fresh.set(key, obj);
    }
    for (const [key, old] of [...this.#store]) {
      if (fresh.has(key)) continue;
      this.#store.delete(key);
      await this.#notify("delete", () => this.#options.handler.onDelete?.(old));
    }
    for (const [key, obj] of fresh) {
      const old = this.#store.get(key);
      this.#store.set(key, obj);
      if (old === undefined) await this.#notify("add", () => this.#options.handler.onAdd?.(obj));
      else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) {
        await this.#notify("update", () => this.#options.handler.onUpdate?.(old, obj));
      }
    }
  }

  /** One watch, until the server ends it; returns how many events (bookmarks included) came. */
  async #watch(signal: AbortSignal): Promise<number> {
    const { client, path, labelSelector, fieldSelector } = this.#options;
    let count = 0;
    const stream = client.watch<T>(path, {
      resourceVersion: this.#resourceVersion,
      labelSelector,
      fieldSelector,
      allowWatchBookmarks: true,
      timeoutSeconds: this.#options.watchTimeoutSeconds ?? REFLECTOR_WATCH_TIMEOUT_SECONDS,
      signal,
    });
    for await (const event of stream) {
      // A watch that delivers is a healthy connection: later failures start from a short delay.
      if (count++ === 0) this.#backoff.reset();
      if (event.type === "ERROR") throw statusError(event.object.code ?? 500, event.object, `WATCH ${path}`);
      this.#eventsSinceList++;
      // The resourceVersion moves first, so a handler already sees the store at its new version.
      const rv = event.object.metadata?.resourceVersion;
      if (rv) this.#resourceVersion = rv;
      if (event.type !== "BOOKMARK") await this.#apply(event.type, event.object);
    }
    return count;
  }

  async #apply(type: "ADDED" | "MODIFIED" | "DELETED", obj: T): Promise<void> {
    const key = objectKey(obj);
    if (key === undefined) {
      this.#log.warn({ type }, "watch event for an object without a name, ignored");
      return;
    }
    const old = this.#store.get(key);
    if (type === "DELETED") {
      this.#store.delete(key);
      await this.#notify("delete", () => this.#options.handler.onDelete?.(obj));
      return;
    }
    this.#store.set(key, obj);
    if (old === undefined) await this.#notify("add", () => this.#options.handler.onAdd?.(obj));
    else await this.#notify("update", () => this.#options.handler.onUpdate?.(old, obj));
  }

  /** A failing handler is logged; it never stops the reflector. */
  async #notify(what: string, call: () => void | Promise<void>): Promise<void> {
    try {
      await call();
    } catch (err) {
      this.#log.error({ err: errorMessage(err), handler: what }, "reflector handler failed");
    }
  }
}
