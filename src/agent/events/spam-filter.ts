/**
 * Per-object rate limiting of events (client-go: EventSourceObjectSpamFilter): a token bucket per
 * (source, involved object) holding `burst` tokens, refilled at `qps`; an event that finds the
 * bucket empty is dropped. Buckets live in an LRU so memory stays bounded.
 */
import { LruMap } from "./lru.js";

/** client-go: defaultSpamBurst. */
export const EVENT_SPAM_BURST = 25;
/** client-go: defaultSpamQPS, one event per 5 minutes refills. */
export const EVENT_SPAM_QPS = 1 / 300;
/** client-go: maxLruCacheEntries. */
export const EVENT_LRU_CACHE_ENTRIES = 4096;

interface Bucket {
  tokens: number;
  lastMs: number;
}

export class SpamFilter {
  readonly #buckets: LruMap<string, Bucket>;

  constructor(
    private readonly burst = EVENT_SPAM_BURST,
    private readonly qps = EVENT_SPAM_QPS,
    cacheSize = EVENT_LRU_CACHE_ENTRIES,
  ) {
    if (!Number.isInteger(burst) || burst <= 0) throw new RangeError(`spam burst ${burst} must be > 0`);
    if (!(qps > 0)) throw new RangeError(`spam qps ${qps} must be > 0`);
    this.#buckets = new LruMap(cacheSize);
  }

  /** Takes a token for `key` at time `nowMs`; false means the event is to be dropped. */
  allow(key: string, nowMs: number): boolean {
    const bucket = this.#buckets.get(key) ?? { tokens: this.burst, lastMs: nowMs };
    const elapsed = Math.max(0, nowMs - bucket.lastMs) / 1000;
    bucket.tokens = Math.min(this.burst, bucket.tokens + elapsed * this.qps);
    bucket.lastMs = nowMs;
    this.#buckets.set(key, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
