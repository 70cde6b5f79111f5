/**
 * The generic store: create, read, update, delete, list and watch for any ResourceDefinition on
 * top of the Storage interface. Kind-specific behaviour (defaults, validation, strategy, graceful
 * deletion) comes from the definition; everything else (uid, timestamps, generateName,
 * resourceVersion, optimistic concurrency, finalizers) is the same for every kind.
 */
import { randomInt, randomUUID } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import { isAlreadyExists, isConflict, isNotFound } from "../../common/errors.js";
import type { BookmarkEvent, Storage, StorageEvent, StoredObject } from "../storage/storage.js";
import { alreadyExists, badRequest, conflict, notFound } from "./errors.js";
import { validateObjectMeta, validateObjectMetaUpdate, throwIfInvalid } from "./validation.js";
import { cloneJson, isJsonObject, rfc3339, type KubeObject } from "./object.js";
import { apiVersionOf, type ResourceDefinition } from "./resource.js";

/** kube-apiserver: generateName appends 5 characters from this alphabet (no vowels). */
const GENERATE_NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
const GENERATE_NAME_SUFFIX_LENGTH = 5;
const MAX_UPDATE_ATTEMPTS = 16;

export type ObjectFilter = (obj: KubeObject) => boolean;

export interface ListRequest {
  readonly filter?: ObjectFilter;
  readonly limit?: number;
  readonly continueToken?: string;
  /** List as of this revision (resourceVersionMatch=Exact); Expired once compacted away. */
  readonly revision?: number;
}

export interface ListResponse {
  readonly items: KubeObject[];
  readonly resourceVersion: string;
  readonly continueToken?: string;
}

export interface Preconditions {
  readonly uid?: string;
  readonly resourceVersion?: string;
}

export interface DeleteRequest {
  readonly gracePeriodSeconds?: number;
  /** Finalizers the deletion adds (orphan, foregroundDeletion): the object stays until they go. */
  readonly finalizers?: readonly string[];
  readonly preconditions?: Preconditions;
  readonly dryRun?: boolean;
}

export interface DeleteResponse {
  readonly object: KubeObject;
  /** False when the object still exists (graceful deletion or finalizers pending). */
  readonly removed: boolean;
}

export type Mutation = (current: KubeObject | undefined) => KubeObject | Promise<KubeObject>;

/**
 * Admission for one request (the admission chain, bound to the request): mutate runs before the
 * store's validation, validate after it, both before the write; either refuses by throwing.
 */
export interface ObjectAdmission {
  mutate(obj: KubeObject, old: KubeObject | undefined): Promise<void>;
  validate(obj: KubeObject, old: KubeObject | undefined): Promise<void>;
}

export interface CreateRequest {
  readonly dryRun?: boolean;
  readonly admission?: ObjectAdmission;
}

export interface UpdateRequest {
  /** "status": only .status changes; another subresource (binding) owns its whole change. */
  readonly subresource?: string;
  readonly dryRun?: boolean;
  /** Create the object when it is absent (server-side apply). */
  readonly allowCreate?: boolean;
  readonly admission?: ObjectAdmission;
}

export interface WatchEvent {
  readonly type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK";
  readonly object: KubeObject;
  /** The revision this event brings the watcher to. */
  readonly revision: number;
}

export interface StoreContext {
  readonly storage: Storage;
  readonly now: () => Date;
  /** Resolves when the namespace exists; throws NotFound otherwise. */
  readonly requireNamespace: (namespace: string) => Promise<void>;
}

interface ContinueToken {
  readonly rv: number;
  readonly start: string;
}

function encodeContinue(token: ContinueToken): string {
  return Buffer.from(JSON.stringify(token)).toString("base64url");
}

function decodeContinue(text: string): ContinueToken {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
    if (isJsonObject(parsed) && typeof parsed["rv"] === "number" && typeof parsed["start"] === "string") {
      return { rv: parsed["rv"], start: parsed["start"] };
    }
  } catch {
    // fall through to the error below
  }
  throw badRequest("continue key is not valid");
}

/** Parses a resourceVersion from a client; "" and undefined are 0. */
export function parseResourceVersion(rv: string | undefined): number {
  if (rv === undefined || rv === "") return 0;
  if (!/^\d{1,16}$/.test(rv)) throw badRequest(`invalid resource version "${rv}"`);
  return Number(rv);
}

function generateSuffix(): string {
  let out = "";
  for (let i = 0; i < GENERATE_NAME_SUFFIX_LENGTH; i++) {
    out += GENERATE_NAME_ALPHABET[randomInt(GENERATE_NAME_ALPHABET.length)];
  }
  return out;
}

const decodedEvents = new WeakMap<StorageEvent, KubeObject>();
const decodedValues = new WeakMap<Uint8Array, KubeObject>();

export class ResourceStore {
  constructor(
    readonly def: ResourceDefinition,
    private readonly ctx: StoreContext,
  ) {}

  /** /registry/<plural[.group]>/<namespace>/<name> or /registry/<plural>/<name>. */
  private get root(): string {
    const resource = this.def.group === "" ? this.def.plural : `${this.def.plural}.${this.def.group}`;
    return `/registry/${resource}/`;
  }

  prefix(namespace?: string): string {
    return this.def.namespaced && namespace !== undefined && namespace !== ""
      ? `${this.root}${namespace}/`
      : this.root;
  }

  key(namespace: string | undefined, name: string): string {
    return this.def.namespaced ? `${this.root}${namespace ?? ""}/${name}` : `${this.root}${name}`;
  }

  decode(stored: Pick<StoredObject, "value">, revision: number): KubeObject {
    const obj = JSON.parse(Buffer.from(stored.value).toString("utf8")) as KubeObject;
    obj.apiVersion = apiVersionOf(this.def);
    obj.kind = this.def.kind;
    obj.metadata.resourceVersion = String(revision);
    return obj;
  }

  /**
   * A storage event fans out to every watcher of its range: decode it once and share the result.
   * Watch consumers only read and serialize what they are given.
   */
  private decodeShared(ev: StorageEvent): KubeObject {
    let obj = decodedEvents.get(ev);
    if (obj === undefined) {
      obj = this.decode(ev, ev.revision);
      decodedEvents.set(ev, obj);
    }
    return obj;
  }

  private decodePrevious(value: Uint8Array, revision: number): KubeObject {
    let obj = decodedValues.get(value);
    if (obj === undefined) {
      obj = this.decode({ value }, revision);
      decodedValues.set(value, obj);
    }
    return obj;
  }

  private encode(obj: KubeObject): Uint8Array {
    const copy = { ...obj, metadata: { ...obj.metadata } };
    delete copy.metadata.resourceVersion;
    return Buffer.from(JSON.stringify(copy));
  }

  async get(namespace: string | undefined, name: string): Promise<KubeObject> {
    const stored = await this.ctx.storage.get(this.key(namespace, name));
    if (stored === undefined) throw notFound(this.def, name);
    return this.decode(stored, stored.modRevision);
  }

  async list(namespace: string | undefined, req: ListRequest = {}): Promise<ListResponse> {
    const token = req.continueToken ? decodeContinue(req.continueToken) : undefined;
    const prefix = this.prefix(namespace);
    const items: KubeObject[] = [];
    let start = token?.start;
    let revision = token?.rv ?? req.revision ?? 0;
    const limit = req.limit !== undefined && req.limit > 0 ? req.limit : undefined;
    // Filtering happens after the read, so a page is refilled until it is full or the range ends.
    for (;;) {
      const page = await this.ctx.storage.list({
        prefix,
        ...(start !== undefined ? { startAfter: start } : {}),
        ...(limit !== undefined ? { limit: limit - items.length } : {}),
        ...(revision > 0 ? { revision } : {}),
      });
      revision = page.revision;
      for (const stored of page.items) {
        const obj = this.decode(stored, stored.modRevision);
        if (req.filter === undefined || req.filter(obj)) items.push(obj);
        start = stored.key;
      }
      if (!page.more) return { items, resourceVersion: String(revision) };
      if (limit !== undefined && items.length >= limit) {
        return {
          items,
          resourceVersion: String(revision),
          continueToken: encodeContinue({ rv: revision, start: start ?? "" }),
        };
      }
    }
  }

  async create(namespace: string | undefined, input: KubeObject, opts: CreateRequest = {}) {
    const obj = this.prepareNew(namespace, input);
    if (this.def.namespaced) await this.ctx.requireNamespace(obj.metadata.namespace ?? "");
    const generated = !input.metadata.name && !!input.metadata.generateName;
    for (let attempt = 0; ; attempt++) {
      if (generated) obj.metadata.name = `${input.metadata.generateName}${generateSuffix()}`;
      if (attempt === 0) await opts.admission?.mutate(obj, undefined);
      this.check(obj);
      if (attempt === 0) await opts.admission?.validate(obj, undefined);
      const name = obj.metadata.name ?? "";
      if (opts.dryRun) {
        if (await this.ctx.storage.get(this.key(namespace, name))) throw alreadyExists(this.def, name);
        return this.withIdentity(obj, 0);
      }
      try {
        const revision = await this.ctx.storage.create(
          this.key(obj.metadata.namespace, name),
          this.encode(obj),
        );
        return this.withIdentity(obj, revision);
      } catch (err) {
        if (isAlreadyExists(err)) {
          if (generated && attempt < 3) continue;
          throw alreadyExists(this.def, name);
        }
        throw err;
      }
    }
  }

  private withIdentity(obj: KubeObject, revision: number): KubeObject {
    obj.apiVersion = apiVersionOf(this.def);
    obj.kind = this.def.kind;
    obj.metadata.resourceVersion = String(revision);
    return obj;
  }

  /** A new object as the server stores it: identity, timestamps, strategy and defaults applied. */
  private prepareNew(namespace: string | undefined, input: KubeObject): KubeObject {
    if (!isJsonObject(input) || !isJsonObject(input.metadata)) {
      throw badRequest("the object has no metadata");
    }
    const obj = cloneJson(input);
    const meta = obj.metadata;
    if (this.def.namespaced) {
      if (meta.namespace && namespace && meta.namespace !== namespace) {
        throw badRequest(
          "the namespace of the provided object does not match the namespace sent on the request",
        );
      }
      meta.namespace = namespace || meta.namespace || "default";
    } else {
      delete meta.namespace;
    }
    meta.uid = randomUUID();
    meta.creationTimestamp = rfc3339(this.ctx.now());
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    if (this.def.tracksGeneration) meta.generation = 1;
    else delete meta.generation;
    obj.apiVersion = apiVersionOf(this.def);
    obj.kind = this.def.kind;
    this.def.prepareForCreate?.(obj);
    this.def.defaults?.(obj);
    return obj;
  }

  private check(obj: KubeObject, old?: KubeObject, subresource?: string): void {
    const rules = {
      namespaced: this.def.namespaced,
      ...(this.def.nameFn ? { nameFn: this.def.nameFn } : {}),
    };
    const causes =
      old === undefined
        ? validateObjectMeta(obj.metadata, rules)
        : validateObjectMetaUpdate(obj.metadata, old.metadata);
    causes.push(...(this.def.validate?.(obj, old, subresource) ?? []));
    throwIfInvalid(this.def.kind, obj.metadata.name ?? obj.metadata.generateName ?? "", causes);
  }

  /** PUT: replace the object; a stale metadata.resourceVersion is a Conflict, an empty one is not. */
  async update(
    namespace: string | undefined,
    name: string,
    input: KubeObject,
    opts: UpdateRequest = {},
  ): Promise<KubeObject> {
    if (!isJsonObject(input) || !isJsonObject(input.metadata)) throw badRequest("the object has no metadata");
    if (input.metadata.name !== undefined && input.metadata.name !== name) {
      throw badRequest(
        `the name of the object (${String(input.metadata.name)}) does not match the name on the URL (${name})`,
      );
    }
    if (
      this.def.namespaced &&
      input.metadata.namespace &&
      namespace &&
      input.metadata.namespace !== namespace
    ) {
      throw badRequest(
        "the namespace of the provided object does not match the namespace sent on the request",
      );
    }
    return this.guaranteedUpdate(namespace, name, () => cloneJson(input), opts);
  }

  /**
   * Reads the current object, applies `mutate`, validates and writes with the read revision as
   * precondition, retrying on a concurrent write. If the mutated object names a resourceVersion
   * other than the current one, that is the caller's stale read: Conflict, no retry.
   */
  async guaranteedUpdate(
    namespace: string | undefined,
    name: string,
    mutate: Mutation,
    opts: UpdateRequest = {},
  ): Promise<KubeObject> {
    const key = this.key(namespace, name);
    for (let attempt = 0; ; attempt++) {
      const stored = await this.ctx.storage.get(key);
      if (stored === undefined) {
        if (!opts.allowCreate) throw notFound(this.def, name);
        const created = await mutate(undefined);
        created.metadata = { ...created.metadata, name };
        try {
          return await this.create(namespace, created, opts);
        } catch (err) {
          if (isAlreadyExists(err) && attempt < MAX_UPDATE_ATTEMPTS) continue;
          throw err;
        }
      }
      const old = this.decode(stored, stored.modRevision);
      const next = await mutate(cloneJson(old));
      if (!isJsonObject(next) || !isJsonObject(next.metadata)) throw badRequest("the object has no metadata");
      const wanted = next.metadata.resourceVersion;
      if (wanted !== undefined && wanted !== "" && wanted !== old.metadata.resourceVersion) {
        throw conflict(this.def, name);
      }
      await opts.admission?.mutate(next, old);
      const obj = this.prepareUpdate(old, next, opts);
      await opts.admission?.validate(obj, old);
      if (this.unchanged(old, obj)) return old;
      if (opts.dryRun) return obj;
      try {
        if (
          obj.metadata.deletionTimestamp &&
          (obj.metadata.finalizers ?? []).length === 0 &&
          !(this.def.deletionBlocked?.(obj) ?? false) &&
          this.finalizable(old)
        ) {
          const { revision } = await this.ctx.storage.delete(key, stored.modRevision);
          return this.withIdentity(obj, revision);
        }
        const revision = await this.ctx.storage.update(key, this.encode(obj), stored.modRevision);
        return this.withIdentity(obj, revision);
      } catch (err) {
        if (isConflict(err) && attempt < MAX_UPDATE_ATTEMPTS) continue;
        if (isConflict(err)) throw conflict(this.def, name);
        if (isNotFound(err)) throw notFound(this.def, name);
        throw err;
      }
    }
  }

  /** An object pending deletion is removed once its finalizers are gone and no grace remains. */
  private finalizable(old: KubeObject): boolean {
    return (old.metadata.finalizers ?? []).length > 0 || old.metadata.deletionGracePeriodSeconds === 0;
  }

  private unchanged(old: KubeObject, obj: KubeObject): boolean {
    const a = { ...old, metadata: { ...old.metadata, resourceVersion: undefined } };
    const b = { ...obj, metadata: { ...obj.metadata, resourceVersion: undefined } };
    return isDeepStrictEqual(JSON.parse(JSON.stringify(a)), JSON.parse(JSON.stringify(b)));
  }

  private prepareUpdate(old: KubeObject, next: KubeObject, opts: UpdateRequest): KubeObject {
    const obj = next;
    const meta = obj.metadata;
    const oldMeta = old.metadata;
    if (meta.uid !== undefined && meta.uid !== "" && meta.uid !== oldMeta.uid) {
      throw conflict(
        this.def,
        oldMeta.name ?? "",
        `Precondition failed: UID in precondition: ${meta.uid}, UID in object meta: ${oldMeta.uid ?? ""}`,
      );
    }
    meta.name = oldMeta.name;
    meta.uid = oldMeta.uid;
    meta.creationTimestamp = oldMeta.creationTimestamp;
    if (this.def.namespaced) meta.namespace = oldMeta.namespace;
    else delete meta.namespace;
    setOrDelete(meta, "deletionTimestamp", oldMeta.deletionTimestamp);
    setOrDelete(meta, "deletionGracePeriodSeconds", oldMeta.deletionGracePeriodSeconds);
    delete meta.generateName;
    if (oldMeta.generateName !== undefined) meta.generateName = oldMeta.generateName;
    obj.apiVersion = apiVersionOf(this.def);
    obj.kind = this.def.kind;
    if (opts.subresource === "status") {
      // Only .status may change through /status (metadata labels and annotations too, as upstream).
      this.def.prepareForStatusUpdate?.(obj, old);
    } else if (opts.subresource === undefined) {
      this.def.prepareForUpdate?.(obj, old);
    }
    this.def.defaults?.(obj);
    setOrDelete(meta, "generation", oldMeta.generation);
    if (this.def.tracksGeneration && !isDeepStrictEqual(obj["spec"], old["spec"])) {
      meta.generation = (oldMeta.generation ?? 0) + 1;
    }
    this.check(obj, old, opts.subresource);
    return obj;
  }

  async delete(
    namespace: string | undefined,
    name: string,
    req: DeleteRequest = {},
  ): Promise<DeleteResponse> {
    const key = this.key(namespace, name);
    for (let attempt = 0; ; attempt++) {
      const stored = await this.ctx.storage.get(key);
      if (stored === undefined) throw notFound(this.def, name);
      const obj = this.decode(stored, stored.modRevision);
      this.checkPreconditions(obj, req.preconditions);
      const grace = this.def.gracePeriod?.(obj, req.gracePeriodSeconds) ?? 0;
      const added = (req.finalizers ?? []).filter((f) => !(obj.metadata.finalizers ?? []).includes(f));
      if (added.length > 0) obj.metadata.finalizers = [...(obj.metadata.finalizers ?? []), ...added];
      const finalizers = obj.metadata.finalizers ?? [];
      const blocked = this.def.deletionBlocked?.(obj) ?? false;
      try {
        if (grace > 0 || finalizers.length > 0 || blocked) {
          const pending =
            added.length > 0 ? this.markDeleting(obj, grace, true) : this.markDeleting(obj, grace);
          if (pending === undefined || req.dryRun) return { object: pending ?? obj, removed: false };
          const revision = await this.ctx.storage.update(key, this.encode(pending), stored.modRevision);
          return { object: this.withIdentity(pending, revision), removed: false };
        }
        if (req.dryRun) return { object: obj, removed: true };
        const { revision } = await this.ctx.storage.delete(key, stored.modRevision);
        return { object: this.withIdentity(obj, revision), removed: true };
      } catch (err) {
        if (isConflict(err) && attempt < MAX_UPDATE_ATTEMPTS) continue;
        if (isNotFound(err)) throw notFound(this.def, name);
        throw err;
      }
    }
  }

  /** Sets deletionTimestamp; undefined when the object is already deleting with no longer grace. */
  private markDeleting(obj: KubeObject, grace: number, finalizersAdded = false): KubeObject | undefined {
    const meta = obj.metadata;
    const current = meta.deletionGracePeriodSeconds;
    if (meta.deletionTimestamp !== undefined && current !== undefined && current <= grace) {
      return finalizersAdded ? cloneJson(obj) : undefined;
    }
    const next = cloneJson(obj);
    next.metadata.deletionTimestamp = rfc3339(new Date(this.ctx.now().getTime() + grace * 1000));
    next.metadata.deletionGracePeriodSeconds = grace;
    this.def.prepareForDeletion?.(next);
    return next;
  }

  private checkPreconditions(obj: KubeObject, pre: Preconditions | undefined): void {
    if (pre === undefined) return;
    const name = obj.metadata.name ?? "";
    if (pre.uid !== undefined && pre.uid !== obj.metadata.uid) {
      throw conflict(
        this.def,
        name,
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${obj.metadata.uid ?? ""}`,
      );
    }
    if (pre.resourceVersion !== undefined && pre.resourceVersion !== obj.metadata.resourceVersion) {
      throw conflict(
        this.def,
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${obj.metadata.resourceVersion ?? ""}`,
      );
    }
  }

  /**
   * Watch events after `afterRevision` (0: the current state as ADDED events first, then changes).
   * With a filter, an object that stops matching is DELETED for this watcher and one that starts
   * matching is ADDED, as kube-apiserver does. Every storage event advances `revision`, so a
   * BOOKMARK built from it never skips an event this watcher has not seen.
   */
  async *watch(
    namespace: string | undefined,
    afterRevision: number,
    signal: AbortSignal,
    filter?: ObjectFilter,
  ): AsyncGenerator<WatchEvent> {
    const matches = (obj: KubeObject): boolean => filter === undefined || filter(obj);
    let from = afterRevision;
    if (afterRevision === 0) {
      const initial = await this.list(namespace, filter ? { filter } : {});
      from = Number(initial.resourceVersion);
      for (const object of initial.items) {
        yield { type: "ADDED", object, revision: Number(object.metadata.resourceVersion) };
      }
    }
    // A watch cache also sends progress bookmarks; a plain backend ignores the extra option.
    const options = { prefix: this.prefix(namespace), afterRevision: from, signal, bookmarks: true as const };
    const stream = this.ctx.storage.watch(options) as AsyncIterable<StorageEvent | BookmarkEvent>;
    for await (const ev of stream) {
      if (ev.type === "BOOKMARK") {
        yield bookmarkOf(this.def, ev.revision);
        continue;
      }
      const object = this.decodeShared(ev);
      const isNew = matches(object);
      if (ev.type === "ADDED") {
        yield isNew ? { type: "ADDED", object, revision: ev.revision } : bookmarkOf(this.def, ev.revision);
        continue;
      }
      if (ev.type === "DELETED") {
        yield isNew ? { type: "DELETED", object, revision: ev.revision } : bookmarkOf(this.def, ev.revision);
        continue;
      }
      const wasOld =
        ev.prevValue === undefined ? isNew : matches(this.decodePrevious(ev.prevValue, ev.revision));
      if (isNew && wasOld) yield { type: "MODIFIED", object, revision: ev.revision };
      else if (isNew) yield { type: "ADDED", object, revision: ev.revision };
      else if (wasOld) yield { type: "DELETED", object, revision: ev.revision };
      else yield bookmarkOf(this.def, ev.revision);
    }
  }
}

/** A progress marker; the HTTP layer sends these only when the client asked for bookmarks. */
export function bookmarkOf(def: ResourceDefinition, revision: number): WatchEvent {
  return {
    type: "BOOKMARK",
    object: {
      apiVersion: apiVersionOf(def),
      kind: def.kind,
      metadata: { resourceVersion: String(revision) },
    },
    revision,
  };
}

function setOrDelete<T extends object, K extends keyof T>(obj: T, key: K, value: T[K] | undefined): void {
  if (value === undefined) delete obj[key];
  else obj[key] = value;
}
