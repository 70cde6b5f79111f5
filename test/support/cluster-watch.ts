/**
 * Waiting for an object to reach a state through a watch (list, then watch from the list's
 * resourceVersion, again after a dropped stream), never by polling with sleeps. Every version seen
 * goes through the predicate, so a test can also record the states an object passed through.
 */
import type { ApiClient } from "../../src/api/index.js";

export interface WaitOptions {
  readonly timeoutMs: number;
  /** Words for the failure message ("pod web Running"). */
  readonly what: string;
}

/** What a wait ends with: the matching object, or "deleted" when the predicate accepts deletion. */
export type Seen<T> = { readonly object: T; readonly deleted: boolean };

/**
 * Watches `collectionPath` for the object named `name` until `accept` returns true for a version
 * of it (deleted: true for its DELETED event or its absence from a list).
 */
export async function waitForObject<T>(
  client: ApiClient,
  collectionPath: string,
  name: string,
  accept: (seen: Seen<T | undefined>) => boolean,
  options: WaitOptions,
): Promise<T | undefined> {
  const deadline = AbortSignal.timeout(options.timeoutMs);
  const fieldSelector = `metadata.name=${name}`;
  let last: T | undefined;
  try {
    for (;;) {
      const list = await client.list<T>(collectionPath, { fieldSelector, signal: deadline });
      const current = list.items[0];
      if (current !== undefined) last = current;
      if (accept({ object: current, deleted: current === undefined })) return current;
      try {
        for await (const event of client.watch<T>(collectionPath, {
          fieldSelector,
          resourceVersion: list.metadata.resourceVersion,
          allowWatchBookmarks: true,
          signal: deadline,
        })) {
          if (event.type === "BOOKMARK") continue;
          if (event.type === "ERROR") break; // e.g. 410 Gone: list again
          last = event.object;
          const deleted = event.type === "DELETED";
          if (accept({ object: event.object, deleted })) return deleted ? undefined : event.object;
        }
      } catch (err) {
        if (deadline.aborted) throw err;
        // a dropped stream (server restart): list and watch again
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  } catch (err) {
    if (!deadline.aborted) throw err;
    const state = last === undefined ? "never seen" : JSON.stringify(summary(last), null, 1);
    throw new Error(
      `timed out after ${options.timeoutMs} ms waiting for ${options.what}; last seen: ${state}`,
      {
        cause: err,
      },
    );
  }
}

/** The part of an object worth printing when a wait fails: its status and deletion stamp. */
function summary(object: unknown): unknown {
  const o = object as { metadata?: { name?: string; deletionTimestamp?: string }; status?: unknown };
  return { name: o.metadata?.name, deletionTimestamp: o.metadata?.deletionTimestamp, status: o.status };
}
