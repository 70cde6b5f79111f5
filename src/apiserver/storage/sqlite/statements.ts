import type { DatabaseSync, StatementSync } from "node:sqlite";

/** A row of the kv table as the statements return it. */
export interface KvRow {
  readonly id: number;
  readonly name: string;
  readonly deleted: number;
  readonly create_revision: number;
  readonly prev_revision: number;
  readonly value: Uint8Array;
  /** Only from history reads: the value of the row this one replaced, if still kept. */
  readonly prev_value?: Uint8Array | null;
}

/** A row of the list statements, as an array: building arrays is about twice as fast as objects. */
export type ListRow = [id: number, name: string, createRevision: number, value: Uint8Array];

/** Every statement the backend runs, prepared once. */
export interface Statements {
  readonly latest: StatementSync;
  readonly insert: StatementSync;
  readonly listCurrent: StatementSync;
  readonly listCurrentUnbounded: StatementSync;
  readonly listAt: StatementSync;
  readonly listAtUnbounded: StatementSync;
  readonly history: StatementSync;
  readonly historyUnbounded: StatementSync;
  readonly maxRevision: StatementSync;
  readonly compactRevision: StatementSync;
  readonly setCompactRevision: StatementSync;
  readonly compact: StatementSync;
}

const COLUMNS = "k.id, k.name, k.deleted, k.create_revision, k.prev_revision, k.value";

// The newest row per key at or below a revision, in key order, skipping keys deleted by then.
// Scans the (name, id) index in key order, so LIMIT stops early.
function listSql(bounded: boolean, atRevision: boolean): string {
  const upper = bounded ? "AND k.name < ?" : "";
  const rev = atRevision ? "AND k.id <= ?" : "";
  const newer = atRevision ? "AND n.id <= ?" : "";
  return `SELECT k.id, k.name, k.create_revision, k.value FROM kv k
    WHERE k.name >= ? AND k.name > ? ${upper} ${rev} AND k.deleted = 0
      AND NOT EXISTS (SELECT 1 FROM kv n WHERE n.name = k.name AND n.id > k.id ${newer})
    ORDER BY k.name LIMIT ?`;
}

function historySql(bounded: boolean): string {
  const upper = bounded ? "AND k.name < ?" : "";
  return `SELECT ${COLUMNS}, p.value AS prev_value FROM kv k LEFT JOIN kv p ON p.id = k.prev_revision
    WHERE k.id > ? AND k.id <= ? AND k.name >= ? ${upper}
    ORDER BY k.id LIMIT ?`;
}

function arrays(statement: StatementSync): StatementSync {
  statement.setReturnArrays(true);
  return statement;
}

export function prepareStatements(db: DatabaseSync): Statements {
  return {
    latest: db.prepare(`SELECT ${COLUMNS} FROM kv k WHERE k.name = ? ORDER BY k.id DESC LIMIT 1`),
    insert: db.prepare(
      "INSERT INTO kv (id, name, deleted, create_revision, prev_revision, value) VALUES (?, ?, ?, ?, ?, ?)",
    ),
    listCurrent: arrays(db.prepare(listSql(true, false))),
    listCurrentUnbounded: arrays(db.prepare(listSql(false, false))),
    listAt: arrays(db.prepare(listSql(true, true))),
    listAtUnbounded: arrays(db.prepare(listSql(false, true))),
    history: db.prepare(historySql(true)),
    historyUnbounded: db.prepare(historySql(false)),
    maxRevision: db.prepare(
      "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'kv'), 0), COALESCE((SELECT MAX(id) FROM kv), 0)) AS rev",
    ),
    compactRevision: db.prepare("SELECT value FROM meta WHERE key = 'compact_revision'"),
    setCompactRevision: db.prepare("UPDATE meta SET value = ? WHERE key = 'compact_revision'"),
    // Drop what no read at or after revision C can need: rows superseded by a row at or below C,
    // and tombstones at or below C. The current row of a live key is never superseded, so it stays.
    compact: db.prepare(
      `DELETE FROM kv WHERE id <= ?1 AND (deleted = 1 OR EXISTS
        (SELECT 1 FROM kv n WHERE n.name = kv.name AND n.id > kv.id AND n.id <= ?1))`,
    ),
  };
}
