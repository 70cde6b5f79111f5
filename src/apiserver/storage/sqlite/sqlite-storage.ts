import { DatabaseSync } from "node:sqlite";
import { BerthError, ErrorCode, errorMessage } from "../../../common/errors.js";
import { silentLogger, type Logger } from "../../../common/log.js";
import { EventChannel } from "../event-channel.js";
import {
  futureRevision,
  keyExists,
  keyNotFound,
  revisionConflict,
  storageClosed,
  tooOldRevision,
} from "../errors.js";
import {
  checkKey,
  checkLimit,
  checkPrefix,
  checkRevision,
  checkValue,
  hasPrefix,
  prefixEnd,
} from "../keys.js";
import type {
  ListOptions,
  ListResult,
  Storage,
  StorageEvent,
  StoredObject,
  WatchOptions,
} from "../storage.js";
import { GroupCommit } from "./group-commit.js";
import { initSchema, type Synchronous } from "./schema.js";
import { prepareStatements, type KvRow, type ListRow, type Statements } from "./statements.js";

/** kine: compaction keeps the newest 1000 revisions. */
export const SQLITE_COMPACT_KEEP = 1000;
/** kine compacts every 5 minutes. */
export const SQLITE_COMPACT_INTERVAL_MS = 5 * 60 * 1000;
/**
 * A watcher that stops reading is ended (its client re-watches from its last revision) rather than
 * let its queue grow without bound; the watch cache keeps up easily, HTTP clients might not.
 */
export const SQLITE_WATCH_MAX_PENDING = 100_000;
/** Rows read per step when a watcher replays history. */
const REPLAY_PAGE = 500;

export interface SqliteStorageOptions {
  /** A database file, or ":memory:". */
  readonly path: string;
  readonly logger?: Logger;
  /** Revisions of history kept by periodic compaction (default SQLITE_COMPACT_KEEP). */
  readonly compactKeep?: number;
  /** Period of automatic compaction; 0 turns it off (default SQLITE_COMPACT_INTERVAL_MS). */
  readonly compactIntervalMs?: number;
  /** "full" (default): durable on power loss; "normal": durable on process crash only. */
  readonly synchronous?: Synchronous;
  /** Undelivered events a watcher may pile up before its stream is ended (default SQLITE_WATCH_MAX_PENDING). */
  readonly watchMaxPending?: number;
}

interface Watcher {
  readonly prefix: string;
  readonly channel: EventChannel<StorageEvent>;
  /** Live events at or below this revision come from the history replay instead. */
  readonly liveAfter: number;
}

function toObject(row: KvRow): StoredObject {
  return { key: row.name, value: row.value, modRevision: row.id, createRevision: row.create_revision };
}

function toEvent(row: KvRow): StorageEvent {
  const prevValue = row.prev_value ?? undefined;
  if (row.deleted === 1)
    return { type: "DELETED", key: row.name, value: row.value, revision: row.id, prevValue: row.value };
  if (row.create_revision === row.id)
    return { type: "ADDED", key: row.name, value: row.value, revision: row.id };
  return prevValue === undefined
    ? { type: "MODIFIED", key: row.name, value: row.value, revision: row.id }
    : { type: "MODIFIED", key: row.name, value: row.value, revision: row.id, prevValue };
}

function checkOptions(options: SqliteStorageOptions): void {
  if (typeof options.path !== "string" || options.path === "") {
    throw new BerthError(ErrorCode.Config, 'sqlite storage: path must be a file path or ":memory:"');
  }
  for (const name of ["compactKeep", "compactIntervalMs", "watchMaxPending"] as const) {
    const v = options[name];
    if (v !== undefined && (!Number.isSafeInteger(v) || v < 0)) {
      throw new BerthError(ErrorCode.Config, `sqlite storage: ${name} must be a non-negative integer`);
    }
  }
  if (
    options.synchronous !== undefined &&
    options.synchronous !== "full" &&
    options.synchronous !== "normal"
  ) {
    throw new BerthError(ErrorCode.Config, 'sqlite storage: synchronous must be "full" or "normal"');
  }
}

/**
 * The embedded backend on node:sqlite. node:sqlite is synchronous, so every write runs its read,
 * check and append with no await in between, inside a group-commit transaction (see
 * GroupCommit): conditional writes are atomic, and concurrent writes share one commit and fsync.
 * A write resolves only after its commit. One process owns a database file (the revision counter
 * lives in memory). Watchers get events pushed after each commit, in revision order.
 */
export class SqliteStorage implements Storage {
  private readonly db: DatabaseSync;
  private readonly stmt: Statements;
  private readonly log: Logger;
  private readonly watchers = new Set<Watcher>();
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly commits: GroupCommit;
  /** The committed revision: what reads and watchers see. */
  private rev: number;
  /** The revision inside the batch transaction being written. */
  private staged: number;
  /** Events of the batch transaction, published once it commits. */
  private stagedEvents: StorageEvent[] = [];
  private compacted: number;
  private readonly maxPending: number;
  private isClosed = false;

  constructor(options: SqliteStorageOptions) {
    checkOptions(options);
    this.log = (options.logger ?? silentLogger()).child({ storage: "sqlite" });
    let db: DatabaseSync | undefined;
    try {
      db = new DatabaseSync(options.path);
      initSchema(db, options.synchronous ?? "full");
      this.stmt = prepareStatements(db);
      this.db = db;
    } catch (err) {
      if (db?.isOpen) db.close();
      throw new BerthError(
        ErrorCode.Config,
        `sqlite storage: cannot open ${options.path}: ${errorMessage(err)}`,
        {
          cause: err,
        },
      );
    }
    this.rev = Number((this.stmt.maxRevision.get() as { rev: number }).rev);
    this.staged = this.rev;
    this.maxPending = options.watchMaxPending ?? SQLITE_WATCH_MAX_PENDING;
    this.compacted = Number((this.stmt.compactRevision.get() as { value: number }).value);
    this.commits = new GroupCommit(this.db, {
      begin: () => {
        this.staged = this.rev;
        this.stagedEvents = [];
      },
      committed: () => {
        this.rev = this.staged;
        const events = this.stagedEvents;
        this.stagedEvents = [];
        for (const e of events) this.publish(e);
      },
      rolledBack: () => {
        this.staged = this.rev;
        this.stagedEvents = [];
      },
      wrap: internal,
    });
    const keep = options.compactKeep ?? SQLITE_COMPACT_KEEP;
    const interval = options.compactIntervalMs ?? SQLITE_COMPACT_INTERVAL_MS;
    if (interval > 0) {
      this.timer = setInterval(() => {
        this.compact(keep).catch((err: unknown) => this.log.warn({ err }, "periodic compaction failed"));
      }, interval);
      this.timer.unref();
    }
    this.log.debug(
      { path: options.path, revision: this.rev, compacted: this.compacted },
      "sqlite storage open",
    );
  }

  revision(): Promise<number> {
    return this.run(() => this.rev);
  }

  get(key: string): Promise<StoredObject | undefined> {
    return this.run(() => {
      checkKey(key);
      const row = this.latest(key);
      return row === undefined || row.deleted === 1 ? undefined : toObject(row);
    });
  }

  list(options: ListOptions): Promise<ListResult> {
    return this.run(() => {
      checkPrefix(options.prefix);
      checkLimit(options.limit);
      checkRevision("revision", options.revision);
      const start = options.prefix === "" ? "/" : options.prefix;
      const end = prefixEnd(start);
      const after = options.startAfter ?? "";
      const limit = options.limit === undefined || options.limit === 0 ? -1 : options.limit + 1;
      const at = options.revision ?? 0;
      if (at > this.rev) throw futureRevision(at, this.rev);
      if (at !== 0 && at < this.compacted) throw tooOldRevision(at, this.compacted);
      const revision = at === 0 ? this.rev : at;
      const rows = (at === 0
        ? end === undefined
          ? this.stmt.listCurrentUnbounded.all(start, after, limit)
          : this.stmt.listCurrent.all(start, after, end, limit)
        : end === undefined
          ? this.stmt.listAtUnbounded.all(start, after, at, at, limit)
          : this.stmt.listAt.all(start, after, end, at, at, limit)) as unknown as ListRow[];
      const more = options.limit !== undefined && options.limit > 0 && rows.length > options.limit;
      if (more) rows.pop();
      const items = rows.map(([modRevision, key, createRevision, value]): StoredObject => ({
        key,
        value,
        modRevision,
        createRevision,
      }));
      return { items, revision, more };
    });
  }

  create(key: string, value: Uint8Array): Promise<number> {
    return this.write(key, value, () => {
      const row = this.latest(key);
      if (row !== undefined && row.deleted === 0) throw keyExists(key);
      const id = this.append(key, 0, 0, row?.id ?? 0, value);
      this.stagedEvents.push({ type: "ADDED", key, value, revision: id });
      return id;
    });
  }

  update(key: string, value: Uint8Array, expectedRevision?: number): Promise<number> {
    checkRevision("expectedRevision", expectedRevision);
    return this.write(key, value, () => {
      const row = this.current(key, expectedRevision);
      const id = this.append(key, 0, row.create_revision, row.id, value);
      this.stagedEvents.push({ type: "MODIFIED", key, value, revision: id, prevValue: row.value });
      return id;
    });
  }

  delete(key: string, expectedRevision?: number): Promise<{ object: StoredObject; revision: number }> {
    checkRevision("expectedRevision", expectedRevision);
    return this.write(key, new Uint8Array(), () => {
      const row = this.current(key, expectedRevision);
      const id = this.append(key, 1, row.create_revision, row.id, row.value);
      this.stagedEvents.push({ type: "DELETED", key, value: row.value, revision: id, prevValue: row.value });
      return { object: toObject(row), revision: id };
    });
  }

  watch(options: WatchOptions): AsyncIterable<StorageEvent> {
    return { [Symbol.asyncIterator]: () => this.stream(options) };
  }

  compact(keep: number): Promise<number> {
    return this.run(() => {
      checkRevision("keep", keep);
      const target = this.rev - keep;
      if (target <= this.compacted) return this.compacted;
      const started = performance.now();
      this.transaction(() => {
        const removed = this.stmt.compact.run(target).changes;
        this.stmt.setCompactRevision.run(target);
        this.log.debug(
          { revision: target, removed, ms: Math.round(performance.now() - started) },
          "compacted",
        );
      });
      this.compacted = target;
      return target;
    });
  }

  close(): Promise<void> {
    if (this.isClosed) return Promise.resolve();
    // Writes already accepted are committed (or failed) before the database closes.
    this.commits.flush();
    this.isClosed = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    for (const w of this.watchers) w.channel.close();
    this.watchers.clear();
    this.db.close();
    return Promise.resolve();
  }

  /** The newest row of a key, deleted or not. */
  private latest(key: string): KvRow | undefined {
    return this.stmt.latest.get(key) as KvRow | undefined;
  }

  /** The live row of a key, checked against an expected revision. */
  private current(key: string, expectedRevision: number | undefined): KvRow {
    const row = this.latest(key);
    if (row === undefined || row.deleted === 1) throw keyNotFound(key);
    if (expectedRevision !== undefined && row.id !== expectedRevision) {
      throw revisionConflict(key, expectedRevision, row.id);
    }
    return row;
  }

  /** Runs a synchronous read or write and turns its outcome into a promise. */
  private run<T>(fn: () => T): Promise<T> {
    try {
      if (this.isClosed) throw storageClosed();
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(err instanceof BerthError ? err : internal(err));
    }
  }

  /** Checks the input now; runs `apply` inside the next group-commit transaction. */
  private write<T>(key: string, value: Uint8Array, apply: () => T): Promise<T> {
    try {
      if (this.isClosed) throw storageClosed();
      checkKey(key);
      checkValue(key, value);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.commits.submit(apply);
  }

  /** Appends a row at the next revision of the batch; createRevision 0 means "this row". */
  private append(
    key: string,
    deleted: 0 | 1,
    createRevision: number,
    prevRevision: number,
    value: Uint8Array,
  ): number {
    const id = this.staged + 1;
    this.stmt.insert.run(id, key, deleted, createRevision === 0 ? id : createRevision, prevRevision, value);
    this.staged = id;
    return id;
  }

  private transaction<T>(fn: () => T): T {
    this.db.exec("BEGIN IMMEDIATE");
    try {
      const result = fn();
      this.db.exec("COMMIT");
      return result;
    } catch (err) {
      this.db.exec("ROLLBACK");
      throw err;
    }
  }

  private publish(event: StorageEvent): void {
    for (const w of this.watchers) {
      if (event.revision <= w.liveAfter || !hasPrefix(event.key, w.prefix)) continue;
      if (w.channel.size >= this.maxPending) {
        this.log.warn({ prefix: w.prefix, pending: w.channel.size }, "watcher too slow, ending its stream");
        this.watchers.delete(w);
        w.channel.close();
        continue;
      }
      w.channel.push(event);
    }
  }

  /**
   * A watcher first replays the table from afterRevision up to the revision current when it
   * subscribed, then takes live events above that revision: no gap, no duplicate.
   */
  private async *stream(options: WatchOptions): AsyncGenerator<StorageEvent> {
    if (this.isClosed) throw storageClosed();
    checkPrefix(options.prefix);
    checkRevision("afterRevision", options.afterRevision);
    const after = options.afterRevision;
    if (after < this.compacted) throw tooOldRevision(after, this.compacted);
    if (options.signal.aborted) return;
    const watcher: Watcher = {
      prefix: options.prefix,
      channel: new EventChannel<StorageEvent>(options.signal),
      liveAfter: Math.max(this.rev, after),
    };
    this.watchers.add(watcher);
    options.onStarted?.();
    try {
      const start = options.prefix === "" ? "/" : options.prefix;
      const end = prefixEnd(start);
      let cursor = after;
      while (cursor < watcher.liveAfter && !options.signal.aborted && !this.isClosed) {
        if (cursor < this.compacted) throw tooOldRevision(after, this.compacted);
        const rows = (end === undefined
          ? this.stmt.historyUnbounded.all(cursor, watcher.liveAfter, start, REPLAY_PAGE)
          : this.stmt.history.all(cursor, watcher.liveAfter, start, end, REPLAY_PAGE)) as unknown as KvRow[];
        for (const row of rows) yield toEvent(row);
        const last = rows[rows.length - 1];
        if (last === undefined || rows.length < REPLAY_PAGE) break;
        cursor = last.id;
      }
      yield* watcher.channel;
    } finally {
      this.watchers.delete(watcher);
      watcher.channel.close();
    }
  }
}

function internal(err: unknown): BerthError {
  return new BerthError(ErrorCode.Internal, `sqlite storage: ${errorMessage(err)}`, { cause: err });
}

export function openSqliteStorage(options: SqliteStorageOptions): Promise<Storage> {
  try {
    return Promise.resolve(new SqliteStorage(options));
  } catch (err) {
    return Promise.reject(err);
  }
}
