/**
 * Aggregation of similar events (client-go: EventAggregator in tools/record/events_cache.go).
 * Events about one object with the same source, type and reason but different messages are
 * similar; once EVENT_AGGREGATE_MAX_EVENTS distinct messages have been seen within
 * EVENT_AGGREGATE_INTERVAL_MS of each other, every further one is written as one combined Event
 * ("(combined from similar events): " and the latest message) whose count grows, instead of a new
 * Event per message. A probe whose output changes every period (a timestamp, a counter) stays one
 * Event that way. Records live in an LRU so memory stays bounded.
 */
import { LruMap } from "./lru.js";
import { EVENT_LRU_CACHE_ENTRIES } from "./spam-filter.js";

/** client-go: defaultAggregateMaxEvents. */
export const EVENT_AGGREGATE_MAX_EVENTS = 10;
/** client-go: defaultAggregateIntervalInSeconds. */
export const EVENT_AGGREGATE_INTERVAL_MS = 600_000;
/** client-go: EventAggregatorByReasonMessageFunc's prefix. */
export const COMBINED_EVENT_PREFIX = "(combined from similar events): ";

interface AggregateRecord {
  readonly messages: Set<string>;
  lastMs: number;
}

/** What to write: the message, and whether it is the combined Event of its similar group. */
export interface Aggregated {
  readonly message: string;
  readonly combined: boolean;
}

export class EventAggregator {
  readonly #records: LruMap<string, AggregateRecord>;

  constructor(
    private readonly maxEvents = EVENT_AGGREGATE_MAX_EVENTS,
    private readonly intervalMs = EVENT_AGGREGATE_INTERVAL_MS,
    cacheSize = EVENT_LRU_CACHE_ENTRIES,
  ) {
    if (!Number.isInteger(maxEvents) || maxEvents <= 0)
      throw new RangeError(`aggregate max events ${maxEvents} must be > 0`);
    if (!(intervalMs > 0)) throw new RangeError(`aggregate interval ${intervalMs} must be > 0`);
    this.#records = new LruMap(cacheSize);
  }

  /**
   * Notes `message` in the group `similarKey` (source, object, type, reason) at `nowMs`. A group
   * silent for longer than the interval starts over.
   */
  aggregate(similarKey: string, message: string, nowMs: number): Aggregated {
    let record = this.#records.get(similarKey);
    if (record === undefined || nowMs - record.lastMs > this.intervalMs) {
      record = { messages: new Set(), lastMs: nowMs };
    }
    record.messages.add(message);
    record.lastMs = nowMs;
    this.#records.set(similarKey, record);
    if (record.messages.size < this.maxEvents) return { message, combined: false };
    // Keep the set at its bound: forget one message, as client-go's PopAny does.
    const first = record.messages.values().next();
    if (first.done !== true) record.messages.delete(first.value);
    return { message: COMBINED_EVENT_PREFIX + message, combined: true };
  }
}
