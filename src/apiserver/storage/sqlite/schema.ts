import type { DatabaseSync } from "node:sqlite";

/**
 * kine's shape: one append-only table. The row id is the revision; every create, update and
 * delete appends a row; the newest row of a key is its current state (deleted = 1: absent). A
 * delete row carries the last value, so DELETED events and old-revision reads need no join.
 * AUTOINCREMENT keeps ids from ever being reused, even after compaction removed the newest
 * tombstones, so revisions only grow across restarts.
 */
export const SCHEMA_VERSION = 1;

const DDL = `
CREATE TABLE IF NOT EXISTS kv (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  deleted INTEGER NOT NULL,
  create_revision INTEGER NOT NULL,
  prev_revision INTEGER NOT NULL,
  value BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS kv_name_id ON kv (name, id);
CREATE TABLE IF NOT EXISTS meta (
  key TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);
`;

export type Synchronous = "full" | "normal";

export function initSchema(db: DatabaseSync, synchronous: Synchronous): void {
  // WAL: readers never block the writer. synchronous=FULL syncs the WAL on every commit, so an
  // acknowledged write survives kill -9 and power loss; NORMAL survives kill -9 (the WAL write
  // reached the kernel before the commit returned) but may lose the last commits on power loss.
  db.exec("PRAGMA journal_mode = WAL");
  db.exec(`PRAGMA synchronous = ${synchronous === "full" ? "FULL" : "NORMAL"}`);
  db.exec("PRAGMA busy_timeout = 5000");
  db.exec(DDL);
  db.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)").run(SCHEMA_VERSION);
  db.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('compact_revision', 0)").run();
}
