/** Work queues: per-key serialization, delayed adds, per-key exponential retries. */
export { WorkQueue } from "./work-queue.js";
export { ItemRateLimiter, QUEUE_BASE_DELAY_MS, QUEUE_MAX_DELAY_MS } from "./rate-limiter.js";
