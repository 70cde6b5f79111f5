export {
  openSqliteStorage,
  SqliteStorage,
  SQLITE_COMPACT_INTERVAL_MS,
  SQLITE_COMPACT_KEEP,
  SQLITE_WATCH_MAX_PENDING,
  type SqliteStorageOptions,
} from "./sqlite-storage.js";
export type { Synchronous } from "./schema.js";
