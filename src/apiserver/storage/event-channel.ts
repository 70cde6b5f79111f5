/**
 * A push-to-pull queue: producers push synchronously, one consumer pulls with for-await. Ends when
 * closed, when its signal aborts, or with an error. Backs every watch stream, so that fan-out is a
 * push per watcher and nothing polls.
 */
export class EventChannel<T> implements AsyncIterableIterator<T> {
  private buffer: T[] = [];
  private head = 0;
  private waiter: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | undefined;
  private ended = false;
  private failure: { error: unknown } | undefined;
  private readonly onAbort = (): void => this.close();

  constructor(private readonly signal?: AbortSignal) {
    if (signal?.aborted) this.ended = true;
    else signal?.addEventListener("abort", this.onAbort, { once: true });
  }

  /** Events waiting for the consumer. */
  get size(): number {
    return this.buffer.length - this.head;
  }

  get closed(): boolean {
    return this.ended || this.failure !== undefined;
  }

  push(value: T): void {
    if (this.closed) return;
    const waiter = this.waiter;
    if (waiter !== undefined) {
      this.waiter = undefined;
      waiter.resolve({ value, done: false });
      return;
    }
    this.buffer.push(value);
  }

  /** Ends the stream after the buffered events. */
  close(): void {
    if (this.closed) return;
    this.ended = true;
    this.detach();
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.resolve({ value: undefined, done: true });
  }

  /** Ends the stream with an error, after the buffered events. */
  fail(error: unknown): void {
    if (this.closed) return;
    this.failure = { error };
    this.detach();
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.reject(error);
  }

  next(): Promise<IteratorResult<T>> {
    if (this.head < this.buffer.length) {
      const value = this.buffer[this.head] as T;
      this.head++;
      if (this.head > 1024 && this.head * 2 > this.buffer.length) {
        this.buffer = this.buffer.slice(this.head);
        this.head = 0;
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.failure !== undefined) return Promise.reject(this.failure.error);
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<T>> {
    this.buffer = [];
    this.head = 0;
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  private detach(): void {
    this.signal?.removeEventListener("abort", this.onAbort);
  }
}
