/**
 * Exponential backoff with jitter, for retry loops (the reflector, watchers, registration).
 * Delays grow initialMs, initialMs*factor, ... capped at maxMs, each plus up to jitter*delay of
 * random extra. If the previous delay was handed out more than resetAfterMs ago, the next starts
 * over from initialMs: a loop that has been healthy for a while is not punished for old failures.
 */
import { systemClock, type Clock } from "./clock.js";
import { BerthError, ErrorCode } from "./errors.js";

export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
  /** Growth per failure; default 2. */
  readonly factor?: number;
  /** Extra random fraction of the delay, 0..1 (or more); default 0.1. */
  readonly jitter?: number;
  /** Idle time after which the backoff starts over; default: never. */
  readonly resetAfterMs?: number;
  readonly clock?: Clock;
  /** Source of randomness in [0, 1); injectable for tests. */
  readonly random?: () => number;
}

export class Backoff {
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #factor: number;
  readonly #jitter: number;
  readonly #resetAfterMs: number;
  readonly #clock: Clock;
  readonly #random: () => number;
  #base: number;
  #lastAt: number | undefined;
  #failures = 0;

  constructor(options: BackoffOptions) {
    const { initialMs, maxMs, factor = 2, jitter = 0.1, resetAfterMs = Infinity } = options;
    const bad = (what: string): never => {
      throw new BerthError(ErrorCode.Config, `backoff: ${what}`);
    };
    if (!(Number.isFinite(initialMs) && initialMs > 0)) bad(`initialMs must be positive, not ${initialMs}`);
    if (!(Number.isFinite(maxMs) && maxMs >= initialMs))
      bad(`maxMs must be at least initialMs, not ${maxMs}`);
    if (!(Number.isFinite(factor) && factor >= 1)) bad(`factor must be at least 1, not ${factor}`);
    if (!(Number.isFinite(jitter) && jitter >= 0)) bad(`jitter must be non-negative, not ${jitter}`);
    if (!(resetAfterMs > 0)) bad(`resetAfterMs must be positive, not ${resetAfterMs}`);
    this.#initialMs = initialMs;
    this.#maxMs = maxMs;
    this.#factor = factor;
    this.#jitter = jitter;
    this.#resetAfterMs = resetAfterMs;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#base = initialMs;
  }

  /** Failures since the last reset. */
  get failures(): number {
    return this.#failures;
  }

  /** The delay before the next attempt, in ms; each call counts one failure. */
  next(): number {
    const now = this.#clock.now();
    if (this.#lastAt !== undefined && now - this.#lastAt > this.#resetAfterMs) this.reset();
    this.#lastAt = now;
    const base = this.#base;
    this.#base = Math.min(this.#maxMs, base * this.#factor);
    this.#failures++;
    return Math.round(base + this.#random() * this.#jitter * base);
  }

  /** Back to initialMs, after a success. */
  reset(): void {
    this.#base = this.#initialMs;
    this.#lastAt = undefined;
    this.#failures = 0;
  }

  /** Sleeps for next() on the backoff's clock; rejects when the signal aborts. */
  wait(signal?: AbortSignal): Promise<void> {
    return this.#clock.sleep(this.next(), signal);
  }
}
