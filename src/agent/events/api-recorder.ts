/**
 * ApiEventRecorder: an EventRecorder that writes core/v1 Events (client-go record package's
 * broadcaster + EventCorrelator, reduced): similar events (same object, type and reason) past ten
 * distinct messages in ten minutes become one combined Event (aggregator.ts); repeats of the same
 * (object, type, reason, message) become a PATCH bumping count and lastTimestamp of the first
 * Event; a token bucket per object drops spam; a bounded queue and one worker keep the caller from
 * ever waiting or failing.
 */
import type { IEvent } from "kubernetes-models/v1";
import { resourcePath, type ApiClient } from "../../api/index.js";
import type { Clock } from "../../common/clock.js";
import { ErrorCode, errorMessage, hasCode, isAlreadyExists, isNotFound } from "../../common/errors.js";
import type { Logger } from "../../common/log.js";
import { EventAggregator } from "./aggregator.js";
import { LruMap } from "./lru.js";
import type { EventRecorder, EventType, InvolvedObject } from "./recorder.js";
import { EVENT_LRU_CACHE_ENTRIES, EVENT_SPAM_BURST, EVENT_SPAM_QPS, SpamFilter } from "./spam-filter.js";

/** client-go: maxQueuedEvents; events beyond it are dropped. */
export const EVENT_QUEUE_SIZE = 1000;
/** client-go: maxTriesPerEvent, writes of one event that failed for a transient reason. */
export const EVENT_MAX_TRIES = 12;
/** client-go: the sleep between tries of one event. */
export const EVENT_RETRY_DELAY_MS = 10_000;
/** client-go: the namespace of events about cluster-scoped objects. */
export const CLUSTER_EVENT_NAMESPACE = "default";

export interface ApiEventRecorderOptions {
  readonly client: ApiClient;
  /** source.component and reportingComponent; "kubelet" as upstream. */
  readonly component?: string;
  /** source.host and reportingInstance: the node name. */
  readonly host: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly spamBurst?: number;
  readonly spamQps?: number;
  readonly cacheSize?: number;
  readonly queueSize?: number;
  /**
   * kubelet: eventRecordQPS / eventBurst, the write rate to the API server (writes wait, they are
   * not dropped); absent or 0 means unlimited.
   */
  readonly recordQps?: number;
  readonly recordBurst?: number;
  /**
   * Combine similar events past ten distinct messages (client-go's EventAggregator); true by
   * default, as for every client-go core/v1 recorder.
   */
  readonly combineSimilar?: boolean;
}

interface Pending {
  readonly object: InvolvedObject;
  readonly type: EventType;
  readonly reason: string;
  readonly message: string;
  /** The combined Event of its similar group (the message carries the aggregator's prefix). */
  readonly combined: boolean;
  readonly atMs: number;
  /** Tries so far; a retried event has already passed the spam filter. */
  tries: number;
  dueMs: number;
}

interface Seen {
  readonly name: string;
  readonly namespace: string;
  readonly firstTimestamp: string;
  count: number;
}

function timestamp(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

export class ApiEventRecorder implements EventRecorder {
  readonly #client: ApiClient;
  readonly #component: string;
  readonly #host: string;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #spam: SpamFilter;
  readonly #seen: LruMap<string, Seen>;
  readonly #aggregator: EventAggregator | undefined;
  readonly #queueSize: number;
  #queue: Pending[] = [];
  #retries: Pending[] = [];
  readonly #closing = new AbortController();
  #busy = false;
  #idle: (() => void)[] = [];
  #draining: Promise<void> | undefined;
  #lastNanos = 0n;
  #dropped = 0;
  #closed = false;
  readonly #recordQps: number;
  readonly #recordBurst: number;
  #tokens: number;
  #tokensAtMs: number;

  constructor(options: ApiEventRecorderOptions) {
    this.#client = options.client;
    this.#component = options.component ?? "kubelet";
    this.#host = options.host;
    this.#clock = options.clock;
    this.#log = options.logger.child({ component: "events" });
    this.#spam = new SpamFilter(
      options.spamBurst ?? EVENT_SPAM_BURST,
      options.spamQps ?? EVENT_SPAM_QPS,
      options.cacheSize ?? EVENT_LRU_CACHE_ENTRIES,
    );
    this.#seen = new LruMap(options.cacheSize ?? EVENT_LRU_CACHE_ENTRIES);
    this.#aggregator =
      options.combineSimilar === false
        ? undefined
        : new EventAggregator(undefined, undefined, options.cacheSize ?? EVENT_LRU_CACHE_ENTRIES);
    this.#queueSize = options.queueSize ?? EVENT_QUEUE_SIZE;
    this.#recordQps = options.recordQps ?? 0;
    this.#recordBurst = Math.max(1, options.recordBurst ?? 1);
    this.#tokens = this.#recordBurst;
    this.#tokensAtMs = this.#clock.now();
  }

  event(object: InvolvedObject, type: EventType, reason: string, message: string): void {
    if (this.#closed) return;
    if (!object?.name || !object.kind || !reason || (type !== "Normal" && type !== "Warning")) {
      this.#log.warn({ object, type, reason }, "dropping malformed event");
      return;
    }
    if (this.#queue.length + this.#retries.length >= this.#queueSize) {
      if (this.#dropped++ === 0)
        this.#log.warn({ queueSize: this.#queueSize }, "event queue full; dropping events");
      return;
    }
    const atMs = this.#clock.now();
    const aggregated = this.#aggregator?.aggregate(
      [...this.#sourceOf(object), type, reason].join("\u0000"),
      message,
      atMs,
    ) ?? { message, combined: false };
    this.#queue.push({
      object,
      type,
      reason,
      message: aggregated.message,
      combined: aggregated.combined,
      atMs,
      tries: 0,
      dueMs: atMs,
    });
    this.#draining ??= this.#drain();
  }

  /**
   * Resolves when every event queued so far has had its first try; events waiting to be retried
   * after a transient failure do not hold it.
   */
  async flush(): Promise<void> {
    if (this.#queue.length === 0 && !this.#busy) return;
    await new Promise<void>((resolve) => this.#idle.push(resolve));
  }

  /** Stops accepting events, writes what is queued and drops what waits for a retry. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
    this.#closing.abort();
    await this.#draining;
  }

  async #drain(): Promise<void> {
    try {
      for (;;) {
        const next = this.#queue.shift();
        if (next !== undefined) {
          this.#busy = true;
          await this.#attempt(next);
          this.#busy = false;
          continue;
        }
        for (const resolve of this.#idle.splice(0)) resolve();
        if (this.#retries.length === 0 || this.#closing.signal.aborted) break;
        const due = Math.min(...this.#retries.map((r) => r.dueMs));
        await this.#clock.sleep(Math.max(0, due - this.#clock.now()), this.#closing.signal);
        const now = this.#clock.now();
        this.#queue.push(...this.#retries.filter((r) => r.dueMs <= now));
        this.#retries = this.#retries.filter((r) => r.dueMs > now);
      }
    } catch {
      // closing: the sleep for retries was cut short
    } finally {
      this.#busy = false;
      for (const resolve of this.#idle.splice(0)) resolve();
      if (this.#retries.length > 0) {
        this.#log.warn({ dropped: this.#retries.length }, "events left unwritten at close");
        this.#retries = [];
      }
      this.#draining = undefined;
      if (this.#dropped > 0) {
        this.#log.warn({ dropped: this.#dropped }, "events dropped while the queue was full");
        this.#dropped = 0;
      }
    }
  }

  /** One try; a transient failure (transport, timeout, server error) is retried later. */
  async #attempt(e: Pending): Promise<void> {
    try {
      await this.#throttle();
      await this.#write(e);
    } catch (err) {
      e.tries++;
      const transient = hasCode(err, ErrorCode.Internal) || hasCode(err, ErrorCode.Timeout);
      if (transient && e.tries < EVENT_MAX_TRIES && !this.#closing.signal.aborted) {
        e.dueMs = this.#clock.now() + EVENT_RETRY_DELAY_MS;
        this.#retries.push(e);
        this.#log.debug(
          { err: errorMessage(err), reason: e.reason, tries: e.tries },
          "event write failed; will retry",
        );
        return;
      }
      this.#log.warn(
        { err: errorMessage(err), reason: e.reason, object: e.object.name, tries: e.tries },
        "cannot write event",
      );
    }
  }

  /** Waits for a write token when a record QPS is set. */
  async #throttle(): Promise<void> {
    if (!(this.#recordQps > 0)) return;
    for (;;) {
      const now = this.#clock.now();
      this.#tokens = Math.min(
        this.#recordBurst,
        this.#tokens + ((now - this.#tokensAtMs) / 1000) * this.#recordQps,
      );
      this.#tokensAtMs = now;
      if (this.#tokens >= 1) {
        this.#tokens -= 1;
        return;
      }
      await this.#clock.sleep(Math.ceil(((1 - this.#tokens) / this.#recordQps) * 1000));
    }
  }

  #uniqueNanos(): bigint {
    let nanos = this.#clock.nowNanos();
    if (nanos <= this.#lastNanos) nanos = this.#lastNanos + 1n;
    this.#lastNanos = nanos;
    return nanos;
  }

  /** client-go: the source and involved object fields every event key starts with. */
  #sourceOf(o: InvolvedObject): string[] {
    return [this.#component, this.#host, o.kind, o.namespace ?? "", o.name, o.uid, o.apiVersion ?? "v1"];
  }

  async #write(e: Pending): Promise<void> {
    const o = e.object;
    const apiVersion = o.apiVersion ?? "v1";
    const source = this.#sourceOf(o);
    if (e.tries === 0 && !this.#spam.allow(source.join("\u0000"), e.atMs)) {
      this.#log.debug({ reason: e.reason, object: o.name }, "event dropped by the spam filter");
      return;
    }
    // client-go: a combined Event is keyed by its similar group, so it is patched with each message.
    const key = e.combined
      ? [...source, e.type, e.reason].join("\u0000")
      : [...source, o.fieldPath ?? "", e.type, e.reason, e.message].join("\u0000");
    const now = timestamp(e.atMs);
    const seen = this.#seen.get(key);
    if (seen !== undefined) {
      seen.count++;
      try {
        await this.#client.patch(
          resourcePath({ resource: "events", namespace: seen.namespace, name: seen.name }),
          { count: seen.count, lastTimestamp: now, message: e.message },
          "strategic",
        );
        return;
      } catch (err) {
        if (!isNotFound(err)) {
          seen.count--;
          throw err;
        }
        this.#seen.delete(key);
      }
    }
    const namespace = o.namespace || CLUSTER_EVENT_NAMESPACE;
    const name = `${o.name}.${this.#uniqueNanos().toString(16)}`;
    const count = seen?.count ?? 1;
    const body: IEvent = {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name, namespace },
      involvedObject: {
        kind: o.kind,
        name: o.name,
        uid: o.uid,
        apiVersion,
        ...(o.namespace ? { namespace: o.namespace } : {}),
        ...(o.fieldPath ? { fieldPath: o.fieldPath } : {}),
      },
      type: e.type,
      reason: e.reason,
      message: e.message,
      source: { component: this.#component, host: this.#host },
      reportingComponent: this.#component,
      reportingInstance: this.#host,
      firstTimestamp: seen?.firstTimestamp ?? now,
      lastTimestamp: now,
      count,
    };
    try {
      await this.#client.create(resourcePath({ resource: "events", namespace }), body);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
    this.#seen.set(key, { name, namespace, firstTimestamp: body.firstTimestamp ?? now, count });
  }
}
