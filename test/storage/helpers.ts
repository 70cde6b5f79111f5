import type { Storage, StorageEvent, WatchOptions } from "../../src/apiserver/storage/index.js";

export const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
export const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

/**
 * Reads events from a watch until `count` arrived (or the watch ended / failed), then stops it.
 * Fails after timeoutMs so that a missing event is a failed test, not a hung one.
 */
export async function collect(
  storage: Pick<Storage, "watch">,
  options: Omit<WatchOptions, "signal">,
  count: number,
  timeoutMs = 10_000,
): Promise<StorageEvent[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const events: StorageEvent[] = [];
  try {
    if (count === 0) return events;
    for await (const e of storage.watch({ ...options, signal: controller.signal })) {
      events.push(e);
      if (events.length >= count) break;
    }
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  if (events.length < count) throw new Error(`watch ended after ${events.length} of ${count} events`);
  return events;
}

/** A watch that runs in the background; `events` fills as they arrive. */
export function startWatch(
  storage: Pick<Storage, "watch">,
  options: Omit<WatchOptions, "signal">,
): {
  events: StorageEvent[];
  done: Promise<unknown>;
  stop: () => void;
  waitFor: (n: number) => Promise<void>;
} {
  const controller = new AbortController();
  const events: StorageEvent[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const done = (async () => {
    for await (const e of storage.watch({ ...options, signal: controller.signal })) {
      events.push(e);
      for (const w of waiters.filter((x) => events.length >= x.n)) w.resolve();
    }
  })().catch((err: unknown) => err);
  const waitFor = (n: number): Promise<void> =>
    events.length >= n
      ? Promise.resolve()
      : new Promise<void>((resolve, reject) => {
          const t = setTimeout(
            () => reject(new Error(`only ${events.length} of ${n} events arrived`)),
            10_000,
          );
          waiters.push({
            n,
            resolve: () => {
              clearTimeout(t);
              resolve();
            },
          });
        });
  return { events, done, stop: () => controller.abort(), waitFor };
}
