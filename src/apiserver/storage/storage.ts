/**
 * The API server's storage: a key-value store of JSON objects with one global, monotonically
 * increasing revision, as in etcd and kine. Keys look like "/registry/pods/default/web". Every
 * write gets a new revision; an object's resourceVersion is the revision of its last write.
 *
 * Implemented by the SQLite backend (embedded default) and the etcd backend. Nothing outside
 * apiserver/storage/ knows SQL or etcd. Failures are BerthErrors: NotFound, AlreadyExists,
 * Conflict (revision precondition failed), Expired (revision compacted away).
 */

export interface StoredObject {
  readonly key: string;
  /** The object's JSON, as stored (metadata.resourceVersion is set by the caller on read). */
  readonly value: Uint8Array;
  /** Revision of the last write to this key (its resourceVersion). */
  readonly modRevision: number;
  readonly createRevision: number;
}

export interface ListOptions {
  /** Exclusive end of the key range is prefix + "\xff"; keys are compared as bytes. */
  readonly prefix: string;
  /** Return keys strictly greater than this one (continue tokens). */
  readonly startAfter?: string;
  readonly limit?: number;
  /** Read as of this revision (0 or undefined: current). Expired if compacted. */
  readonly revision?: number;
  /**
   * resourceVersion=0 semantics: any recent state will do. The watch cache then answers from
   * memory at its own revision (which may trail the store by a few milliseconds); the backends
   * ignore it and read the current state. Ignored when revision is set.
   */
  readonly anyFreshness?: boolean;
}

export interface ListResult {
  readonly items: StoredObject[];
  /** The store revision the list is consistent with. */
  readonly revision: number;
  /** True when limit cut the list short. */
  readonly more: boolean;
}

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED";

export interface StorageEvent {
  readonly type: WatchEventType;
  readonly key: string;
  /** For DELETED: the last value before deletion. */
  readonly value: Uint8Array;
  /** Revision of this event (for DELETED, the revision of the delete). */
  readonly revision: number;
  readonly prevValue?: Uint8Array;
}

export interface WatchOptions {
  readonly prefix: string;
  /** Deliver events with revision > afterRevision. Expired if compacted away. */
  readonly afterRevision: number;
  readonly signal: AbortSignal;
  /**
   * Called once the watch is registered with the store: every event committed from then on will
   * be delivered. (The etcd backend registers asynchronously; the watch cache waits for this.)
   */
  readonly onStarted?: () => void;
}

export interface Storage {
  /** Current store revision. */
  revision(): Promise<number>;
  get(key: string): Promise<StoredObject | undefined>;
  list(options: ListOptions): Promise<ListResult>;
  /** AlreadyExists if the key is present. Returns the new revision. */
  create(key: string, value: Uint8Array): Promise<number>;
  /**
   * Replaces the value. With expectedRevision, Conflict unless the key's modRevision equals it.
   * NotFound if the key is absent. Returns the new revision.
   */
  update(key: string, value: Uint8Array, expectedRevision?: number): Promise<number>;
  /** NotFound if absent; Conflict on a failed precondition. Returns the deleted object and the new revision. */
  delete(key: string, expectedRevision?: number): Promise<{ object: StoredObject; revision: number }>;
  /** An ordered stream of events after afterRevision; ends when signal aborts. */
  watch(options: WatchOptions): AsyncIterable<StorageEvent>;
  /** Drops history older than the newest `keep` revisions. Returns the compacted revision. */
  compact(keep: number): Promise<number>;
  close(): Promise<void>;
}

/**
 * A progress marker (Kubernetes BOOKMARK): every event of this watch up to `revision` has been
 * delivered. Only the watch cache sends them, and only to watches that ask with `bookmarks: true`;
 * a plain Storage.watch never yields one, so StorageEvent consumers are unaffected.
 */
export interface BookmarkEvent {
  readonly type: "BOOKMARK";
  readonly revision: number;
}

export interface BookmarkWatchOptions extends WatchOptions {
  readonly bookmarks: true;
}

/** A Storage whose watches can also carry bookmarks (the watch cache). */
export interface BookmarkingStorage extends Storage {
  watch(options: BookmarkWatchOptions): AsyncIterable<StorageEvent | BookmarkEvent>;
  watch(options: WatchOptions): AsyncIterable<StorageEvent>;
}
