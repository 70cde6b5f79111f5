/**
 * A work queue of keys as client-go's workqueue has it: a key queued twice is processed once; a
 * key being processed is never handed to a second worker (an add while it runs queues it again
 * when done()); delayed adds (addAfter) and per-key exponential retries (addRateLimited).
 */
import { systemClock, type Clock } from "../../common/clock.js";
import { ItemRateLimiter } from "./rate-limiter.js";

export class WorkQueue {
  readonly #queue: string[] = [];
  readonly #dirty = new Set<string>();
  readonly #processing = new Set<string>();
  readonly #waiting = new Map<string, number>();
  readonly #limiter: ItemRateLimiter;
  readonly #clock: Clock;
  #takers: ((key: string | undefined) => void)[] = [];
  #shutDown = false;
  readonly #timers = new AbortController();

  constructor(options: { readonly clock?: Clock; readonly limiter?: ItemRateLimiter } = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#limiter = options.limiter ?? new ItemRateLimiter();
  }

  get length(): number {
    return this.#queue.length;
  }

  add(key: string): void {
    if (this.#shutDown || this.#dirty.has(key)) return;
    this.#dirty.add(key);
    if (this.#processing.has(key)) return;
    const taker = this.#takers.shift();
    if (taker !== undefined) {
      this.#dirty.delete(key);
      this.#processing.add(key);
      taker(key);
      return;
    }
    this.#queue.push(key);
  }

  /** Adds the key after `ms`; an earlier pending add for the same key wins. */
  addAfter(key: string, ms: number): void {
    if (this.#shutDown) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = this.#clock.now() + ms;
    const pending = this.#waiting.get(key);
    if (pending !== undefined && pending <= at) return;
    this.#waiting.set(key, at);
    this.#clock.sleep(ms, this.#timers.signal).then(
      () => {
        if (this.#waiting.get(key) !== at) return;
        this.#waiting.delete(key);
        this.add(key);
      },
      () => undefined,
    );
  }

  addRateLimited(key: string): void {
    this.addAfter(key, this.#limiter.when(key));
  }

  forget(key: string): void {
    this.#limiter.forget(key);
  }

  /** The next key, or undefined once the queue is shut down. Call done(key) when finished. */
  get(): Promise<string | undefined> {
    const key = this.#queue.shift();
    if (key !== undefined) {
      this.#dirty.delete(key);
      this.#processing.add(key);
      return Promise.resolve(key);
    }
    if (this.#shutDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.#takers.push(resolve));
  }

  done(key: string): void {
    this.#processing.delete(key);
    if (!this.#dirty.has(key)) return;
    this.#dirty.delete(key);
    this.add(key);
  }

  shutDown(): void {
    this.#shutDown = true;
    this.#timers.abort();
    for (const taker of this.#takers) taker(undefined);
    this.#takers = [];
  }
}
