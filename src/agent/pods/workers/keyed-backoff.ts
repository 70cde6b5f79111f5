/**
 * Per-key exponential backoff measured against event times (kubelet: flowcontrol.Backoff). Used
 * for CrashLoopBackOff (key pod+container+spec hash, event time = the exited container's finish
 * time) and image pulls (key pod+image, event time = the failed pull). An entry whose last update
 * (the last restart) is more than twice the maximum before the next event starts over, so a
 * container that ran for 10 minutes is not punished for old crashes, while one that crashes every
 * 7 minutes stays at the maximum.
 */
import { BerthError, ErrorCode, type Clock } from "../../../common/index.js";

interface Entry {
  delayMs: number;
  lastUpdateMs: number;
}

export interface KeyedBackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly clock: Clock;
}

export class KeyedBackoff {
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #clock: Clock;
  readonly #entries = new Map<string, Entry>();

  constructor(options: KeyedBackoffOptions) {
    if (!(options.initialMs > 0) || !(options.maxMs >= options.initialMs)) {
      throw new BerthError(
        ErrorCode.Config,
        `backoff needs 0 < initialMs <= maxMs, not ${options.initialMs} and ${options.maxMs}`,
      );
    }
    this.#initialMs = options.initialMs;
    this.#maxMs = options.maxMs;
    this.#clock = options.clock;
  }

  /** The current delay for key, 0 when it has none. */
  delay(key: string): number {
    return this.#entries.get(key)?.delayMs ?? 0;
  }

  /**
   * Counts one failure whose event happened at eventMs (kubelet: Backoff.Next): the first, or the
   * first after the entry expired, gives initialMs; each later one doubles up to maxMs. The entry
   * is stamped with the time of this call (the restart), not the event's.
   */
  next(key: string, eventMs: number): number {
    const entry = this.#entries.get(key);
    const now = this.#clock.now();
    if (entry === undefined || this.#expired(entry, eventMs)) {
      this.#entries.set(key, { delayMs: this.#initialMs, lastUpdateMs: now });
      return this.#initialMs;
    }
    entry.delayMs = Math.min(entry.delayMs * 2, this.#maxMs);
    entry.lastUpdateMs = now;
    return entry.delayMs;
  }

  /**
   * How many ms of backoff remain for an event at eventMs, 0 when none (kubelet:
   * IsInBackOffSince): the delay counts from the event, and an entry whose last update is more
   * than twice the maximum before the event no longer applies, so a container that ran that long
   * since its last restart starts over at initialMs.
   */
  remaining(key: string, eventMs: number): number {
    const entry = this.#entries.get(key);
    if (entry === undefined || this.#expired(entry, eventMs)) return 0;
    return Math.max(0, eventMs + entry.delayMs - this.#clock.now());
  }

  /** Like remaining(), measured from the key's own last update (image pulls). */
  remainingSinceUpdate(key: string): number {
    const entry = this.#entries.get(key);
    if (entry === undefined) return 0;
    return this.remaining(key, entry.lastUpdateMs);
  }

  reset(key: string): void {
    this.#entries.delete(key);
  }

  /** Drops entries whose key fails the predicate (keys of pods that are gone). */
  retain(keep: (key: string) => boolean): void {
    for (const key of [...this.#entries.keys()]) if (!keep(key)) this.#entries.delete(key);
  }

  /** Drops entries idle for longer than twice the maximum (kubelet: Backoff.GC). */
  gc(): void {
    const now = this.#clock.now();
    for (const [key, entry] of [...this.#entries]) if (this.#expired(entry, now)) this.#entries.delete(key);
  }

  get size(): number {
    return this.#entries.size;
  }

  #expired(entry: Entry, eventMs: number): boolean {
    return eventMs - entry.lastUpdateMs > 2 * this.#maxMs;
  }
}
