export type * from "./storage.js";
export { prefixEnd } from "./keys.js";
export * from "./sqlite/index.js";
export * from "./etcd/index.js";
export {
  openWatchCache,
  WatchCache,
  WATCH_CACHE_BOOKMARK_INTERVAL_MS,
  WATCH_CACHE_CAPACITY,
  WATCH_CACHE_MAX_PENDING,
  WATCH_CACHE_RELIST_BACKOFF_MS,
  type WatchCacheOptions,
} from "./watch-cache.js";
