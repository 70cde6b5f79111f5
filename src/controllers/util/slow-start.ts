/**
 * controller.slowStartBatch: run `count` calls in batches of 1, 2, 4, ... and stop at the first
 * batch with a failure, so a quota or admission error costs one call, not hundreds.
 */
export const SLOW_START_INITIAL_BATCH_SIZE = 1; // controller.SlowStartInitialBatchSize

export async function slowStartBatch(
  count: number,
  initialBatchSize: number,
  fn: () => Promise<void>,
): Promise<{ successes: number; error?: unknown }> {
  let remaining = count;
  let successes = 0;
  for (let batch = Math.min(remaining, initialBatchSize); batch > 0; batch = Math.min(2 * batch, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, () => fn()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    successes += results.filter((r) => r.status === "fulfilled").length;
    if (failed !== undefined) return { successes, error: failed.reason };
    remaining -= batch;
  }
  return { successes };
}
