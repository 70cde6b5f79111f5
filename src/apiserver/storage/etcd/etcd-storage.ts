import { Etcd3, type IKeyValue, type IRangeResponse, type ITxnResponse } from "etcd3";
import { BerthError, ErrorCode, errorMessage } from "../../../common/errors.js";
import { silentLogger, type Logger } from "../../../common/log.js";
import { EventChannel } from "../event-channel.js";
import {
  futureRevision,
  keyExists,
  keyNotFound,
  requestTooLarge,
  revisionConflict,
  storageClosed,
  tooOldRevision,
} from "../errors.js";
import { checkKey, checkLimit, checkPrefix, checkRevision, checkValue, prefixEnd } from "../keys.js";
import type {
  ListOptions,
  ListResult,
  Storage,
  StorageEvent,
  StoredObject,
  WatchOptions,
} from "../storage.js";

export interface EtcdStorageOptions {
  /** Client URLs, e.g. ["http://127.0.0.1:2379"]. */
  readonly endpoints: readonly string[];
  /** Prepended to every key, so that several stores can share one etcd (default ""). */
  readonly prefix?: string;
  readonly logger?: Logger;
  /** How long to wait for a connection on each call (default 5 s). */
  readonly dialTimeoutMs?: number;
  /** Revisions of history kept by periodic compaction (default ETCD_COMPACT_KEEP). */
  readonly compactKeep?: number;
  /**
   * Period of compaction by this client, as kube-apiserver compacts etcd itself
   * (--etcd-compaction-interval, default 5 minutes); 0 turns it off (default ETCD_COMPACT_INTERVAL_MS).
   */
  readonly compactIntervalMs?: number;
}

/** History kept by periodic compaction (as the SQLite backend and kine keep). */
export const ETCD_COMPACT_KEEP = 1000;
/** kube-apiserver: --etcd-compaction-interval=5m. */
export const ETCD_COMPACT_INTERVAL_MS = 5 * 60 * 1000;

/**
 * Largest response accepted from etcd. gRPC's default of 4 MiB would fail an unpaged list of a
 * few thousand pods; etcd itself sends up to 2 GiB.
 */
export const ETCD_MAX_RESPONSE_BYTES = 512 * 1024 * 1024;

/** etcd's answers for reads below its compaction and above its head (mvcc ErrCompacted, ErrFutureRev). */
const COMPACTED = /required revision has been compacted/;
/** rpctypes.ErrRequestTooLarge: a write over the server's --max-request-bytes. */
const TOO_LARGE = /etcdserver: request is too large/;
const FUTURE = /required revision is a future revision/;

const toBuffer = (v: Uint8Array): Buffer => Buffer.from(v.buffer, v.byteOffset, v.byteLength);

function checkOptions(options: EtcdStorageOptions): void {
  if (!Array.isArray(options.endpoints) || options.endpoints.length === 0) {
    throw new BerthError(ErrorCode.Config, "etcd storage: endpoints must list at least one client URL");
  }
  for (const e of options.endpoints) {
    if (typeof e !== "string" || !/^https?:\/\/[^/]+/.test(e)) {
      throw new BerthError(
        ErrorCode.Config,
        `etcd storage: endpoint ${JSON.stringify(e)} is not an http(s) URL`,
      );
    }
  }
  for (const name of ["compactKeep", "compactIntervalMs", "dialTimeoutMs"] as const) {
    const v = options[name];
    if (v !== undefined && (!Number.isSafeInteger(v) || v < 0)) {
      throw new BerthError(ErrorCode.Config, `etcd storage: ${name} must be a non-negative integer`);
    }
  }
  if (options.prefix !== undefined && (typeof options.prefix !== "string" || options.prefix.endsWith("/"))) {
    throw new BerthError(ErrorCode.Config, 'etcd storage: prefix must be a string without a trailing "/"');
  }
}

/**
 * The etcd v3 backend. Revisions are etcd's own. Conditional writes are single transactions
 * (compare mod_revision, then put or delete, else read the key to tell NotFound from Conflict),
 * exactly as kube-apiserver's etcd3 store does; watches start at afterRevision + 1 with prev_kv.
 */
export class EtcdStorage implements Storage {
  private readonly client: Etcd3;
  private readonly root: string;
  private readonly log: Logger;
  private readonly channels = new Set<EventChannel<StorageEvent>>();
  /** The highest revision this process compacted to (etcd does not report its own). */
  private compacted = 0;
  private isClosed = false;
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(options: EtcdStorageOptions) {
    checkOptions(options);
    this.root = options.prefix ?? "";
    this.log = (options.logger ?? silentLogger()).child({ storage: "etcd" });
    this.client = new Etcd3({
      hosts: [...options.endpoints],
      dialTimeout: options.dialTimeoutMs ?? 5_000,
      grpcOptions: { "grpc.max_receive_message_length": ETCD_MAX_RESPONSE_BYTES },
    });
    const keep = options.compactKeep ?? ETCD_COMPACT_KEEP;
    const interval = options.compactIntervalMs ?? ETCD_COMPACT_INTERVAL_MS;
    if (interval > 0) {
      this.timer = setInterval(() => {
        this.compact(keep).catch((err: unknown) =>
          this.log.warn({ err: errorMessage(err) }, "periodic compaction failed"),
        );
      }, interval);
      this.timer.unref();
    }
  }

  revision(): Promise<number> {
    return this.call(async () => {
      const res = await this.client.kv.range({ key: this.k("/"), count_only: true });
      return Number(res.header.revision);
    });
  }

  get(key: string): Promise<StoredObject | undefined> {
    return this.call(async () => {
      checkKey(key);
      const res = await this.client.kv.range({ key: this.k(key) });
      const kv = res.kvs[0];
      return kv === undefined ? undefined : this.toObject(kv);
    });
  }

  list(options: ListOptions): Promise<ListResult> {
    return this.call(async () => {
      checkPrefix(options.prefix);
      checkLimit(options.limit);
      checkRevision("revision", options.revision);
      const start = options.prefix === "" ? "/" : options.prefix;
      const end = prefixEnd(start) as string;
      const from =
        options.startAfter !== undefined && options.startAfter >= start ? `${options.startAfter}\0` : start;
      const at = options.revision ?? 0;
      let res: IRangeResponse;
      try {
        res = await this.client.kv.range({
          key: this.k(from),
          range_end: this.k(end),
          limit: options.limit ?? 0,
          revision: at,
        });
      } catch (err) {
        const message = errorMessage(err);
        if (COMPACTED.test(message)) throw tooOldRevision(at, await this.compactedRevision(at));
        if (FUTURE.test(message)) throw futureRevision(at, await this.revision());
        throw err;
      }
      return {
        items: res.kvs.map((kv) => this.toObject(kv)),
        revision: at === 0 ? Number(res.header.revision) : at,
        more: res.more,
      };
    });
  }

  create(key: string, value: Uint8Array): Promise<number> {
    return this.call(async () => {
      checkKey(key);
      checkValue(key, value);
      const k = this.k(key);
      const res = await this.client.kv.txn({
        compare: [{ key: k, target: "Mod", result: "Equal", mod_revision: 0 }],
        success: [{ request_put: { key: k, value: toBuffer(value) } }],
        failure: [],
      });
      if (!res.succeeded) throw keyExists(key);
      return Number(res.header.revision);
    });
  }

  update(key: string, value: Uint8Array, expectedRevision?: number): Promise<number> {
    return this.call(async () => {
      checkKey(key);
      checkValue(key, value);
      checkRevision("expectedRevision", expectedRevision);
      const k = this.k(key);
      const res = await this.client.kv.txn({
        compare: [this.precondition(k, expectedRevision)],
        success: [{ request_put: { key: k, value: toBuffer(value) } }],
        failure: [{ request_range: { key: k } }],
      });
      if (!res.succeeded) this.failed(key, expectedRevision, res);
      return Number(res.header.revision);
    });
  }

  delete(key: string, expectedRevision?: number): Promise<{ object: StoredObject; revision: number }> {
    return this.call(async () => {
      checkKey(key);
      checkRevision("expectedRevision", expectedRevision);
      const k = this.k(key);
      const res = await this.client.kv.txn({
        compare: [this.precondition(k, expectedRevision)],
        success: [{ request_delete_range: { key: k, prev_kv: true } }],
        failure: [{ request_range: { key: k } }],
      });
      if (!res.succeeded) this.failed(key, expectedRevision, res);
      const prev = res.responses[0]?.response_delete_range?.prev_kvs[0];
      if (prev === undefined) throw keyNotFound(key);
      return { object: this.toObject(prev), revision: Number(res.header.revision) };
    });
  }

  watch(options: WatchOptions): AsyncIterable<StorageEvent> {
    return { [Symbol.asyncIterator]: () => this.stream(options) };
  }

  compact(keep: number): Promise<number> {
    return this.call(async () => {
      checkRevision("keep", keep);
      const target = (await this.revision()) - keep;
      if (target <= this.compacted) return this.compacted;
      try {
        await this.client.kv.compact({ revision: target, physical: true });
      } catch (err) {
        // Someone else compacted further already: that is the state we wanted.
        if (!COMPACTED.test(errorMessage(err))) throw err;
      }
      this.compacted = Math.max(this.compacted, target);
      this.log.debug({ revision: target }, "compacted");
      return this.compacted;
    });
  }

  close(): Promise<void> {
    if (this.isClosed) return Promise.resolve();
    this.isClosed = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    for (const c of this.channels) c.close();
    this.channels.clear();
    this.client.close();
    return Promise.resolve();
  }

  private k(key: string): Buffer {
    return Buffer.from(this.root + key);
  }

  private toObject(kv: IKeyValue): StoredObject {
    return {
      key: kv.key.toString().slice(this.root.length),
      value: kv.value,
      modRevision: Number(kv.mod_revision),
      createRevision: Number(kv.create_revision),
    };
  }

  /** mod_revision == expected, or, unconditionally, "the key exists" (version > 0). */
  private precondition(k: Buffer, expectedRevision: number | undefined) {
    return expectedRevision === undefined
      ? { key: k, target: "Version" as const, result: "Greater" as const, version: 0 }
      : { key: k, target: "Mod" as const, result: "Equal" as const, mod_revision: expectedRevision };
  }

  private failed(key: string, expectedRevision: number | undefined, res: ITxnResponse): never {
    const current = res.responses[0]?.response_range?.kvs[0];
    if (current === undefined) throw keyNotFound(key);
    throw revisionConflict(key, expectedRevision ?? 0, Number(current.mod_revision));
  }

  /**
   * etcd does not say how far it compacted; a range read at revision r fails exactly when
   * r < the compacted revision, so a binary search finds it (only on the Expired path).
   */
  private async compactedRevision(below: number): Promise<number> {
    let lo = below + 1;
    let hi = await this.revision();
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      try {
        await this.client.kv.range({ key: this.k("/"), count_only: true, revision: mid });
        hi = mid;
      } catch (err) {
        if (!COMPACTED.test(errorMessage(err))) throw err;
        lo = mid + 1;
      }
    }
    return Math.max(lo, this.compacted);
  }

  private async *stream(options: WatchOptions): AsyncGenerator<StorageEvent> {
    if (this.isClosed) throw storageClosed();
    checkPrefix(options.prefix);
    checkRevision("afterRevision", options.afterRevision);
    if (options.signal.aborted) return;
    const after = options.afterRevision;
    const start = options.prefix === "" ? "/" : options.prefix;
    const channel = new EventChannel<StorageEvent>(options.signal);
    const watcher = this.client
      .watch()
      .inRange({ start: this.k(start), end: this.k(prefixEnd(start) as string) })
      .withPreviousKV()
      .startRevision(String(after + 1))
      .watcher();
    watcher.once("connected", () => options.onStarted?.());
    const strip = (kv: IKeyValue): string => kv.key.toString().slice(this.root.length);
    watcher.on("put", (kv, prev) => {
      const revision = Number(kv.mod_revision);
      const key = strip(kv);
      if (kv.create_revision === kv.mod_revision)
        channel.push({ type: "ADDED", key, value: kv.value, revision });
      else if (prev === undefined) channel.push({ type: "MODIFIED", key, value: kv.value, revision });
      else channel.push({ type: "MODIFIED", key, value: kv.value, revision, prevValue: prev.value });
    });
    watcher.on("delete", (kv, prev) => {
      const value = prev?.value ?? new Uint8Array();
      channel.push({
        type: "DELETED",
        key: strip(kv),
        value,
        revision: Number(kv.mod_revision),
        prevValue: value,
      });
    });
    watcher.on("error", (err) => {
      this.watchFailure(after, err).then(
        (failure) => channel.fail(failure),
        (probeErr: unknown) => channel.fail(probeErr),
      );
    });
    this.channels.add(channel);
    try {
      yield* channel;
    } finally {
      this.channels.delete(channel);
      channel.close();
      watcher.cancel().catch((err: unknown) => this.log.debug({ err }, "watch cancel failed"));
    }
  }

  /**
   * etcd 3.4 cancels a watch below its compaction with an empty reason (the compact_revision field
   * does not survive the client library), so ask: a read at the watch's start revision fails for
   * the same reason exactly when the start was compacted away.
   */
  private async watchFailure(after: number, err: unknown): Promise<BerthError> {
    try {
      await this.client.kv.range({ key: this.k("/"), count_only: true, revision: after + 1 });
    } catch (probeErr) {
      if (COMPACTED.test(errorMessage(probeErr)))
        return tooOldRevision(after, await this.compactedRevision(after));
    }
    return new BerthError(ErrorCode.Internal, `etcd watch failed: ${errorMessage(err)}`, { cause: err });
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    if (this.isClosed) throw storageClosed();
    try {
      return await fn();
    } catch (err) {
      if (err instanceof BerthError) throw err;
      if (TOO_LARGE.test(errorMessage(err))) throw requestTooLarge();
      throw new BerthError(ErrorCode.Internal, `etcd storage: ${errorMessage(err)}`, { cause: err });
    }
  }
}

/** Connects and checks that etcd answers, so that a wrong endpoint fails at start, not at first use. */
export async function openEtcdStorage(options: EtcdStorageOptions): Promise<Storage> {
  const storage = new EtcdStorage(options);
  try {
    await storage.revision();
  } catch (err) {
    await storage.close();
    throw new BerthError(
      ErrorCode.Config,
      `etcd storage: cannot reach ${options.endpoints.join(",")}: ${errorMessage(err)}`,
      { cause: err },
    );
  }
  return storage;
}
