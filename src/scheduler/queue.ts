/**
 * The scheduling queue (scheduler/backend/queue PriorityQueue): activeQ, ordered by priority
 * then by when the pod entered it (PrioritySort); backoffQ, pods waiting out a backoff of 1 s
 * doubling per attempt up to 10 s; and unschedulablePods, parked until the cluster changes (a
 * move request) or for at most 5 minutes. A pod that failed while a move request came in during
 * its cycle goes to backoffQ instead of being parked, so that the change is not missed.
 */
import type { IPod } from "kubernetes-models/v1";
import { systemClock, type Clock } from "../common/clock.js";
import { podKey } from "./pod-info.js";

// kube-scheduler defaults: podInitialBackoffSeconds, podMaxBackoffSeconds
export const POD_INITIAL_BACKOFF_MS = 1_000;
export const POD_MAX_BACKOFF_MS = 10_000;
// scheduling queue: DefaultPodMaxInUnschedulablePodsDuration and its flush period
export const POD_MAX_IN_UNSCHEDULABLE_MS = 5 * 60_000;
export const UNSCHEDULABLE_FLUSH_PERIOD_MS = 30_000;
/** scheduling queue: backoffQ is flushed every second. */
export const BACKOFF_FLUSH_PERIOD_MS = 1_000;

export interface QueuedPod {
  pod: IPod;
  readonly key: string;
  /** When it entered activeQ last (the FIFO order among equal priorities). */
  timestamp: number;
  /** Scheduling attempts so far. */
  attempts: number;
  /** When the pod last failed, for the backoff and the unschedulable timeout. */
  failedAt: number;
  /** The cycle in which the pod was popped last. */
  cycle: number;
  /** The plugins that rejected it last; undefined: any cluster change may help. */
  rejectedBy?: ReadonlySet<string>;
}

export interface SchedulingQueueOptions {
  readonly clock?: Clock;
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
}

function priorityOf(pod: IPod): number {
  return pod.spec?.priority ?? 0;
}

export class SchedulingQueue {
  readonly #clock: Clock;
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #active = new Map<string, QueuedPod>();
  readonly #backoff = new Map<string, QueuedPod>();
  readonly #unschedulable = new Map<string, QueuedPod>();
  /** Popped and not yet done: an update to one of them is kept for its return. */
  readonly #inFlight = new Map<string, QueuedPod>();
  #cycle = 0;
  /** The last cycle in which a move request for every plugin came. */
  #moveAllCycle = -1;
  /** The last cycle in which a move request concerning each plugin came. */
  readonly #moveCycleByPlugin = new Map<string, number>();
  #waiters: (() => void)[] = [];

  constructor(options: SchedulingQueueOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#initialMs = options.initialBackoffMs ?? POD_INITIAL_BACKOFF_MS;
    this.#maxMs = options.maxBackoffMs ?? POD_MAX_BACKOFF_MS;
  }

  get schedulingCycle(): number {
    return this.#cycle;
  }

  /** Sizes of the three queues, for logs, metrics and tests. */
  get sizes(): { active: number; backoff: number; unschedulable: number } {
    return {
      active: this.#active.size,
      backoff: this.#backoff.size,
      unschedulable: this.#unschedulable.size,
    };
  }

  has(pod: IPod): boolean {
    const key = podKey(pod);
    return (
      this.#active.has(key) ||
      this.#backoff.has(key) ||
      this.#unschedulable.has(key) ||
      this.#inFlight.has(key)
    );
  }

  /** A new pending pod. */
  add(pod: IPod): void {
    const key = podKey(pod);
    if (this.#inFlight.has(key)) {
      (this.#inFlight.get(key) as QueuedPod).pod = pod;
      return;
    }
    const existing = this.#active.get(key) ?? this.#backoff.get(key) ?? this.#unschedulable.get(key);
    if (existing !== undefined) {
      this.update(pod);
      return;
    }
    this.#toActive({ pod, key, timestamp: this.#clock.now(), attempts: 0, failedAt: 0, cycle: 0 });
  }

  /**
   * An update of a pending pod. One that waits in unschedulablePods gets another try: its spec
   * or labels may now fit (isPodUpdated), through backoffQ while its backoff lasts.
   */
  update(pod: IPod): void {
    const key = podKey(pod);
    const inFlight = this.#inFlight.get(key);
    if (inFlight !== undefined) {
      inFlight.pod = pod;
      return;
    }
    const active = this.#active.get(key) ?? this.#backoff.get(key);
    if (active !== undefined) {
      active.pod = pod;
      return;
    }
    const parked = this.#unschedulable.get(key);
    if (parked !== undefined) {
      const changed =
        JSON.stringify(parked.pod.spec) !== JSON.stringify(pod.spec) ||
        JSON.stringify(parked.pod.metadata?.labels) !== JSON.stringify(pod.metadata?.labels);
      parked.pod = pod;
      if (changed) {
        this.#unschedulable.delete(key);
        this.#requeue(parked);
      }
      return;
    }
    this.add(pod);
  }

  delete(pod: IPod): void {
    const key = podKey(pod);
    this.#active.delete(key);
    this.#backoff.delete(key);
    this.#unschedulable.delete(key);
    this.#inFlight.delete(key);
  }

  /** The next pod by priority, then age; waits while activeQ is empty. */
  async pop(signal?: AbortSignal): Promise<QueuedPod> {
    for (;;) {
      signal?.throwIfAborted();
      const next = this.#head();
      if (next !== undefined) {
        this.#active.delete(next.key);
        next.attempts++;
        next.cycle = ++this.#cycle;
        this.#inFlight.set(next.key, next);
        return next;
      }
      await new Promise<void>((resolve, reject) => {
        const onAbort = (): void => reject(signal?.reason);
        signal?.addEventListener("abort", onAbort, { once: true });
        this.#waiters.push(() => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        });
      });
    }
  }

  /** The pod's cycle is over (bound, or handed back through one of the add* calls). */
  done(key: string): void {
    this.#inFlight.delete(key);
  }

  /**
   * A pod that fit no node (AddUnschedulableIfNotPresent): parked, unless a move request came
   * during its cycle, in which case it backs off and is retried.
   */
  addUnschedulable(entry: QueuedPod): void {
    this.#inFlight.delete(entry.key);
    entry.failedAt = this.#clock.now();
    if (this.#movedSince(entry)) this.#backoff.set(entry.key, entry);
    else this.#unschedulable.set(entry.key, entry);
  }

  #movedSince(entry: QueuedPod): boolean {
    if (this.#moveAllCycle >= entry.cycle) return true;
    if (entry.rejectedBy === undefined)
      return [...this.#moveCycleByPlugin.values()].some((c) => c >= entry.cycle);
    for (const plugin of entry.rejectedBy) {
      if ((this.#moveCycleByPlugin.get(plugin) ?? -1) >= entry.cycle) return true;
    }
    return false;
  }

  #concerns(entry: QueuedPod, plugins: readonly string[] | undefined): boolean {
    if (plugins === undefined || entry.rejectedBy === undefined) return true;
    return plugins.some((p) => entry.rejectedBy?.has(p));
  }

  /** A pod whose cycle failed for another reason (an API error): backoffQ. */
  addBackoff(entry: QueuedPod): void {
    this.#inFlight.delete(entry.key);
    entry.failedAt = this.#clock.now();
    this.#backoff.set(entry.key, entry);
  }

  /**
   * The cluster changed (MoveAllToActiveOrBackoffQueue): every parked pod that one of `plugins`
   * rejected (any, when undefined) gets another try.
   */
  moveAllToActiveOrBackoff(plugins?: readonly string[]): void {
    for (const entry of [...this.#unschedulable.values()]) {
      if (!this.#concerns(entry, plugins)) continue;
      this.#unschedulable.delete(entry.key);
      this.#requeue(entry);
    }
    if (plugins === undefined) this.#moveAllCycle = this.#cycle;
    else for (const p of plugins) this.#moveCycleByPlugin.set(p, this.#cycle);
  }

  backoffDurationMs(entry: QueuedPod): number {
    let duration = this.#initialMs;
    for (let i = 1; i < entry.attempts; i++) {
      duration *= 2;
      if (duration >= this.#maxMs) return this.#maxMs;
    }
    return Math.min(duration, this.#maxMs);
  }

  #backingOff(entry: QueuedPod): boolean {
    return entry.attempts > 0 && this.#clock.now() < entry.failedAt + this.backoffDurationMs(entry);
  }

  #requeue(entry: QueuedPod): void {
    if (this.#backingOff(entry)) this.#backoff.set(entry.key, entry);
    else this.#toActive(entry);
  }

  /** Moves pods whose backoff is over to activeQ (flushBackoffQCompleted). */
  flushBackoffCompleted(): void {
    for (const entry of [...this.#backoff.values()]) {
      if (this.#backingOff(entry)) continue;
      this.#backoff.delete(entry.key);
      this.#toActive(entry);
    }
  }

  /** Pods parked longer than the limit get another try (flushUnschedulablePodsLeftover). */
  flushUnschedulableLeftover(maxMs = POD_MAX_IN_UNSCHEDULABLE_MS): void {
    const now = this.#clock.now();
    for (const entry of [...this.#unschedulable.values()]) {
      if (now - entry.failedAt < maxMs) continue;
      this.#unschedulable.delete(entry.key);
      this.#requeue(entry);
    }
  }

  /** Runs the two flush loops until the signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const loop = async (periodMs: number, flush: () => void): Promise<void> => {
      while (!signal.aborted) {
        try {
          await this.#clock.sleep(periodMs, signal);
        } catch {
          return;
        }
        flush();
      }
    };
    await Promise.all([
      loop(BACKOFF_FLUSH_PERIOD_MS, () => this.flushBackoffCompleted()),
      loop(UNSCHEDULABLE_FLUSH_PERIOD_MS, () => this.flushUnschedulableLeftover()),
    ]);
  }

  #toActive(entry: QueuedPod): void {
    entry.timestamp = this.#clock.now();
    this.#active.set(entry.key, entry);
    for (const wake of this.#waiters.splice(0)) wake();
  }

  #head(): QueuedPod | undefined {
    let best: QueuedPod | undefined;
    for (const entry of this.#active.values()) {
      if (
        best === undefined ||
        priorityOf(entry.pod) > priorityOf(best.pod) ||
        (priorityOf(entry.pod) === priorityOf(best.pod) && entry.timestamp < best.timestamp)
      ) {
        best = entry;
      }
    }
    return best;
  }
}
