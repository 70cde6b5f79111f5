/**
 * One serialized worker per pod uid (kubelet: podWorkers). wake(uid) asks for a sync; a worker
 * never runs two syncs of its pod at once, and wakes that arrive during a sync fold into one more
 * sync after it (the sync reads the latest desired pod itself, so the latest spec wins). After
 * each sync the worker sleeps until the sync's own retry hint, or the resync period, or the
 * error backoff, whichever applies, and then syncs again: nothing depends on a wake being seen.
 */
import { BerthError, ErrorCode, errorMessage, type Clock, type Logger } from "../../../common/index.js";
import type { PodWorkerMetrics, PodWorkerOperation } from "../../metrics/index.js";

export interface SyncResult {
  /** Sync again after this long (a backoff that ends, a deadline); capped by the resync period. */
  readonly retryAfterMs?: number;
  /** The pod is finished with: drop the worker (a later wake starts a new one). */
  readonly done?: boolean;
}

export type SyncFunction = (uid: string, signal: AbortSignal) => Promise<SyncResult | void>;

export interface PodWorkersOptions {
  readonly sync: SyncFunction;
  readonly clock: Clock;
  readonly log: Logger;
  readonly resyncMs: number;
  readonly errorBackoffMs: number;
  /** kubelet: pod_worker_duration_seconds and pod_worker_start_duration_seconds. */
  readonly metrics?: PodWorkerMetrics;
}

interface Worker {
  dirty: boolean;
  running: boolean;
  timer: AbortController | undefined;
  /** Aborts the sync in progress (interrupt()). */
  current: AbortController | undefined;
  /** When the worker was made (the pod first seen), ms. */
  readonly createdAt: number;
  /** When the pending sync was asked for, ms, and whether by the worker's own timer. */
  wokenAt: number;
  byTimer: boolean;
  /** Whether a sync ran already (the first one is the kubelet's "create"). */
  synced: boolean;
}

/** Why a sync in progress was aborted by interrupt(). */
export class SyncInterrupted extends Error {
  constructor() {
    super("pod sync interrupted by a newer update");
    this.name = "SyncInterrupted";
  }
}

export class PodWorkers {
  readonly #options: PodWorkersOptions;
  readonly #workers = new Map<string, Worker>();
  readonly #controller = new AbortController();
  readonly #active = new Set<Promise<void>>();
  #idleWaiters: (() => void)[] = [];

  constructor(options: PodWorkersOptions) {
    for (const key of ["resyncMs", "errorBackoffMs"] as const) {
      if (!(options[key] > 0)) {
        throw new BerthError(ErrorCode.Config, `pod workers: ${key} must be positive, not ${options[key]}`);
      }
    }
    this.#options = options;
  }

  /** Uids that have a worker. */
  uids(): string[] {
    return [...this.#workers.keys()];
  }

  has(uid: string): boolean {
    return this.#workers.has(uid);
  }

  /** Asks for a sync of uid: now if its worker is idle, else right after the running one. */
  wake(uid: string): void {
    this.#wake(uid, false);
  }

  #wake(uid: string, byTimer: boolean): void {
    if (this.#controller.signal.aborted) return;
    let worker = this.#workers.get(uid);
    const now = this.#options.clock.now();
    if (worker === undefined) {
      worker = {
        dirty: false,
        running: false,
        timer: undefined,
        current: undefined,
        createdAt: now,
        wokenAt: now,
        byTimer,
        synced: false,
      };
      this.#workers.set(uid, worker);
    }
    if (!worker.dirty) {
      worker.wokenAt = now;
      worker.byTimer = byTimer;
    }
    worker.dirty = true;
    worker.timer?.abort();
    worker.timer = undefined;
    if (!worker.running) this.#start(uid, worker);
  }

  /**
   * Like wake(), and aborts the sync in progress so that the next one starts now (kubelet:
   * UpdatePod cancels a sync when the pod is being deleted, or its grace period shortened).
   */
  interrupt(uid: string): void {
    this.wake(uid);
    this.#workers.get(uid)?.current?.abort(new SyncInterrupted());
  }

  /** Drops uid's worker once its running sync (if any) ends; pending wakes are forgotten. */
  forget(uid: string): void {
    const worker = this.#workers.get(uid);
    if (worker === undefined) return;
    worker.dirty = false;
    worker.timer?.abort();
    this.#workers.delete(uid);
  }

  /** Resolves when no sync is running or pending (timers do not count). */
  idle(): Promise<void> {
    if (this.#active.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Aborts timers and running syncs and waits for them to return. */
  async stop(): Promise<void> {
    this.#controller.abort();
    for (const worker of this.#workers.values()) worker.timer?.abort();
    await Promise.allSettled([...this.#active]);
  }

  #start(uid: string, worker: Worker): void {
    worker.running = true;
    const run = this.#loop(uid, worker).finally(() => {
      worker.running = false;
      this.#active.delete(run);
      if (this.#active.size === 0) for (const resolve of this.#idleWaiters.splice(0)) resolve();
    });
    this.#active.add(run);
  }

  async #loop(uid: string, worker: Worker): Promise<void> {
    const { sync, log, resyncMs, errorBackoffMs, metrics, clock } = this.#options;
    const signal = this.#controller.signal;
    while (worker.dirty && !signal.aborted) {
      worker.dirty = false;
      // kubelet: the update type of the sync, and its duration from the update that asked for it.
      const operation: PodWorkerOperation = !worker.synced ? "create" : worker.byTimer ? "sync" : "update";
      const askedAt = worker.wokenAt;
      if (!worker.synced) metrics?.workerStarted(uid, worker.createdAt, clock.now());
      worker.synced = true;
      let delay = resyncMs;
      const current = new AbortController();
      worker.current = current;
      try {
        const result = await sync(uid, AbortSignal.any([signal, current.signal]));
        if (result?.done) {
          if (this.#workers.get(uid) === worker && !worker.dirty) this.#workers.delete(uid);
          if (!worker.dirty) return;
          continue;
        }
        if (result?.retryAfterMs !== undefined) delay = Math.min(resyncMs, Math.max(0, result.retryAfterMs));
      } catch (err) {
        if (signal.aborted) return;
        if (current.signal.aborted) {
          log.debug({ pod: uid }, "pod sync interrupted");
          continue;
        }
        log.warn({ pod: uid, err: errorMessage(err) }, "pod sync failed, retrying");
        delay = errorBackoffMs;
      } finally {
        worker.current = undefined;
        if (!signal.aborted) metrics?.synced(operation, (clock.now() - askedAt) / 1000);
      }
      if (!worker.dirty && this.#workers.get(uid) === worker) this.#schedule(uid, worker, delay);
    }
  }

  #schedule(uid: string, worker: Worker, delayMs: number): void {
    const timer = new AbortController();
    worker.timer = timer;
    const signal = AbortSignal.any([timer.signal, this.#controller.signal]);
    this.#options.clock.sleep(delayMs, signal).then(
      () => {
        if (worker.timer === timer && this.#workers.get(uid) === worker) this.#wake(uid, true);
      },
      () => undefined,
    );
  }
}
