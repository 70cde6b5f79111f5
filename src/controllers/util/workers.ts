/**
 * processNextWorkItem as every controller has it: `workers` loops take a key, sync it, forget it
 * on success and requeue it with backoff on failure, until the queue shuts down.
 */
import { errorMessage } from "../../common/errors.js";
import type { Logger } from "../../common/log.js";
import type { WorkQueue } from "../queue/index.js";

export async function runWorkers(
  queue: WorkQueue,
  workers: number,
  sync: (key: string) => Promise<void>,
  log: Logger,
): Promise<void> {
  const loop = async () => {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      try {
        await sync(key);
        queue.forget(key);
      } catch (err) {
        log.info({ key, err: errorMessage(err) }, "sync failed; requeued");
        queue.addRateLimited(key);
      } finally {
        queue.done(key);
      }
    }
  };
  await Promise.all(Array.from({ length: workers }, loop));
}
