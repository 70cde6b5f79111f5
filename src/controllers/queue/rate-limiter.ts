/**
 * Per-item exponential backoff for requeues (client-go workqueue
 * ItemExponentialFailureRateLimiter with DefaultControllerRateLimiter's bounds).
 */
export const QUEUE_BASE_DELAY_MS = 5; // workqueue.DefaultControllerRateLimiter: 5ms
export const QUEUE_MAX_DELAY_MS = 1000_000; // workqueue.DefaultControllerRateLimiter: 1000s

export class ItemRateLimiter {
  readonly #failures = new Map<string, number>();

  constructor(
    private readonly baseMs = QUEUE_BASE_DELAY_MS,
    private readonly maxMs = QUEUE_MAX_DELAY_MS,
  ) {}

  /** The delay before the item's next try: base * 2^failures, capped. */
  when(key: string): number {
    const failures = this.#failures.get(key) ?? 0;
    this.#failures.set(key, failures + 1);
    return Math.min(this.maxMs, this.baseMs * 2 ** failures);
  }

  forget(key: string): void {
    this.#failures.delete(key);
  }

  retries(key: string): number {
    return this.#failures.get(key) ?? 0;
  }
}
