import type { DatabaseSync } from "node:sqlite";
import { BerthError } from "../../../common/errors.js";

/** Most writes committed by one transaction (and one fsync). */
export const GROUP_COMMIT_MAX_BATCH = 1_000;

interface Pending {
  readonly apply: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: unknown) => void;
}

export interface GroupCommitHooks {
  /** A batch transaction began. */
  begin(): void;
  /** It committed: publish what it wrote. Runs before any write's promise settles. */
  committed(): void;
  /** It rolled back: forget what it staged. */
  rolledBack(): void;
  /** Wraps an unexpected failure (not a BerthError) for the callers. */
  wrap(err: unknown): BerthError;
}

/**
 * Group commit: writes submitted in the same turn of the event loop run one after another in one
 * transaction, committed (and, with synchronous=FULL, fsynced) once, at the next setImmediate.
 * A write is acknowledged only after its transaction committed. A write that throws a BerthError
 * (AlreadyExists, Conflict, ...) wrote nothing and fails alone; any other failure rolls the whole
 * batch back and fails every write in it. Waiting for setImmediate also lets watch deliveries
 * (microtasks) run before the event loop blocks on the next fsync.
 */
export class GroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;

  constructor(
    private readonly db: DatabaseSync,
    private readonly hooks: GroupCommitHooks,
    private readonly maxBatch = GROUP_COMMIT_MAX_BATCH,
  ) {}

  submit<T>(apply: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ apply, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits everything queued now (also used on close). */
  flush(): void {
    this.scheduled = false;
    while (this.queue.length > 0) {
      const batch = this.queue.length <= this.maxBatch ? this.queue : this.queue.slice(0, this.maxBatch);
      this.queue = this.queue.length <= this.maxBatch ? [] : this.queue.slice(this.maxBatch);
      this.commit(batch);
    }
  }

  private commit(batch: Pending[]): void {
    const outcomes: ({ ok: true; value: unknown } | { ok: false; err: unknown })[] = [];
    try {
      this.db.exec("BEGIN IMMEDIATE");
      this.hooks.begin();
      for (const op of batch) {
        try {
          outcomes.push({ ok: true, value: op.apply() });
        } catch (err) {
          if (!(err instanceof BerthError)) throw err;
          outcomes.push({ ok: false, err });
        }
      }
      this.db.exec("COMMIT");
    } catch (err) {
      if (this.db.isTransaction) this.db.exec("ROLLBACK");
      this.hooks.rolledBack();
      const failure = this.hooks.wrap(err);
      for (const op of batch) op.reject(failure);
      return;
    }
    this.hooks.committed();
    batch.forEach((op, i) => {
      const outcome = outcomes[i];
      if (outcome?.ok) op.resolve(outcome.value);
      else op.reject(outcome?.err);
    });
  }
}
