/**
 * The machinery that drives syncs (kubelet: pod_workers.go, config/ pod source, PLEG's runtime
 * cache): one queue per pod uid, the watched pods, the relisted runtime view, keyed backoff.
 */
export { PodWorkers, type PodWorkersOptions, type SyncFunction, type SyncResult } from "./pod-workers.js";
export { PodSource, type PodSourceOptions } from "./pod-source.js";
export { RuntimeCache, type RuntimeCacheOptions, type RuntimeSnapshot } from "./runtime-cache.js";
export { KeyedBackoff, type KeyedBackoffOptions } from "./keyed-backoff.js";
