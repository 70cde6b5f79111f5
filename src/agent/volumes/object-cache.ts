/**
 * ConfigMaps or Secrets read through watches (kubelet: pkg/kubelet/util/manager
 * WatchBasedManager). Each pod registers the names it uses; each (namespace, name) in use by at
 * least one pod has its own Reflector on `fieldSelector=metadata.name=NAME`, so the node reads and
 * watches exactly the objects its pods use (which the Node authorizer allows and nothing more).
 * A name no pod uses any longer stops its watch, and so does an immutable object once it has been
 * seen (it is kept). An object that appears, changes or goes tells
 * `onChange`, so the pods using it sync without waiting for their periodic resync.
 */
import { Reflector, type ApiClient, type KubeObject } from "../../api/index.js";
import { BerthError, ErrorCode, type Clock, type Logger } from "../../common/index.js";

/** How long a read waits for a new watch's first list (kubelet: the manager's 1 s poll for a synced store). */
export const OBJECT_CACHE_SYNC_TIMEOUT_MS = 1_000;

export interface ObjectCacheOptions {
  readonly client: Pick<ApiClient, "list" | "watch">;
  /** "configmaps" or "secrets". */
  readonly resource: string;
  /** The kind as the kubelet names it in messages: "configmap", "secret". */
  readonly kind: string;
  readonly clock: Clock;
  readonly log: Logger;
  /** Called when a watched object is added, changed or deleted. */
  readonly onChange?: (namespace: string, name: string) => void;
}

interface Entry<T extends KubeObject> {
  readonly reflector: Reflector<T>;
  readonly controller: AbortController;
  readonly pods: Set<string>;
  synced: boolean;
  /** An immutable object, kept after its watch was stopped (kubelet: the manager stops watching those). */
  frozen?: T;
}

const keyOf = (namespace: string, name: string): string => `${namespace}/${name}`;

export class ObjectCache<T extends KubeObject> {
  readonly #o: ObjectCacheOptions;
  readonly #entries = new Map<string, Entry<T>>();
  /** Pod uid -> the keys it registered. */
  readonly #byPod = new Map<string, Set<string>>();
  #stopped = false;

  constructor(options: ObjectCacheOptions) {
    if (!options.resource || !options.kind) {
      throw new BerthError(ErrorCode.Config, "object cache: resource and kind are required");
    }
    this.#o = options;
  }

  /** The keys being watched, "namespace/name" (for tests and debugging). */
  watched(): string[] {
    return [...this.#entries.keys()].sort();
  }

  /** Sets the names pod uid uses in namespace; watches start and stop to match. */
  register(uid: string, namespace: string, names: Iterable<string>): void {
    if (this.#stopped) return;
    const keys = new Set([...names].filter(Boolean).map((n) => keyOf(namespace, n)));
    const before = this.#byPod.get(uid) ?? new Set<string>();
    for (const key of keys) if (!before.has(key)) this.#acquire(uid, namespace, key);
    for (const key of before) if (!keys.has(key)) this.#release(uid, key);
    if (keys.size === 0) this.#byPod.delete(uid);
    else this.#byPod.set(uid, keys);
  }

  /** Forgets pod uid: its names stop being watched unless another pod uses them. */
  unregister(uid: string): void {
    for (const key of this.#byPod.get(uid) ?? []) this.#release(uid, key);
    this.#byPod.delete(uid);
  }

  /**
   * The object as the watch last saw it, undefined when it does not exist. The name must be
   * registered by some pod; a new watch is waited for up to OBJECT_CACHE_SYNC_TIMEOUT_MS.
   */
  async get(namespace: string, name: string): Promise<T | undefined> {
    const key = keyOf(namespace, name);
    const entry = this.#entries.get(key);
    if (entry === undefined) {
      throw new BerthError(ErrorCode.Internal, `${this.#o.kind} "${key}" not registered`);
    }
    if (!entry.synced) {
      const timeout = new AbortController();
      const timedOut = this.#o.clock.sleep(OBJECT_CACHE_SYNC_TIMEOUT_MS, timeout.signal).then(
        () => true,
        () => false,
      );
      const done = await Promise.race([entry.reflector.ready.then(() => false), timedOut]);
      timeout.abort();
      if (done) {
        throw new BerthError(
          ErrorCode.Timeout,
          `failed to sync ${this.#o.kind} cache: timed out waiting for the condition`,
        );
      }
    }
    return entry.frozen ?? entry.reflector.get(key);
  }

  /** Stops every watch. */
  async stop(): Promise<void> {
    this.#stopped = true;
    const entries = [...this.#entries.values()];
    this.#entries.clear();
    this.#byPod.clear();
    for (const e of entries) e.controller.abort();
    await Promise.allSettled(entries.map((e) => e.reflector.stop()));
  }

  #acquire(uid: string, namespace: string, key: string): void {
    const existing = this.#entries.get(key);
    if (existing !== undefined) {
      existing.pods.add(uid);
      return;
    }
    const name = key.slice(namespace.length + 1);
    const changed = (obj?: T): void => {
      // An immutable object never changes again: keep it and stop its watch.
      if (
        obj !== undefined &&
        (obj as { immutable?: boolean }).immutable === true &&
        entry.frozen === undefined
      ) {
        entry.frozen = obj;
        entry.synced = true;
        entry.controller.abort();
      }
      this.#o.onChange?.(namespace, name);
    };
    const reflector = new Reflector<T>({
      client: this.#o.client,
      path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/${this.#o.resource}`,
      fieldSelector: `metadata.name=${name}`,
      clock: this.#o.clock,
      log: this.#o.log,
      handler: { onAdd: (o) => changed(o), onUpdate: (_old, o) => changed(o), onDelete: () => changed() },
    });
    const entry: Entry<T> = {
      reflector,
      controller: new AbortController(),
      pods: new Set([uid]),
      synced: false,
    };
    reflector.ready.then(
      () => (entry.synced = true),
      () => undefined,
    );
    this.#entries.set(key, entry);
    reflector.start(entry.controller.signal);
  }

  #release(uid: string, key: string): void {
    const entry = this.#entries.get(key);
    if (entry === undefined) return;
    entry.pods.delete(uid);
    if (entry.pods.size > 0) return;
    this.#entries.delete(key);
    entry.controller.abort();
    void entry.reflector.stop();
  }
}
