/**
 * The agent's view of the runtime, by pod uid (kubelet: PLEG relist + the pod cache). relist()
 * lists every sandbox and container once, groups them by the pod uid label, fetches a status
 * only for a sandbox or container that is new or changed state, and reports the uids whose
 * view changed. podView() reads one pod fresh, for a sync that must see its own last actions.
 * Nothing here outlives a restart that matters: the labels are the state.
 */
import type { Logger } from "../../../common/index.js";
import { LABEL_NODE_NAME } from "../constants.js";
import type {
  ContainerRuntime,
  ContainerState,
  ContainerStatus,
  ListedState,
  PodSandboxStatus,
  SandboxState,
} from "../../../runtime/index.js";

/** Everything the runtime holds for one pod (the shape of status/'s RuntimePodView). */
export interface RuntimeSnapshot {
  readonly sandboxes: readonly PodSandboxStatus[];
  readonly containers: readonly ContainerStatus[];
}

/** How many changed pods a relist reads from the runtime at once. */
const RELIST_LANES = 4;

export const EMPTY_SNAPSHOT: RuntimeSnapshot = { sandboxes: [], containers: [] };

type ListedSandbox = ListedState<SandboxState>;
type ListedContainer = ListedState<ContainerState>;

interface Listed {
  readonly sandboxes: readonly ListedSandbox[];
  readonly containers: readonly ListedContainer[];
}

interface Cached<T> {
  readonly state: string;
  readonly status: T;
}

export interface RuntimeCacheOptions {
  readonly runtime: ContainerRuntime;
  readonly log: Logger;
  /** Only objects with LABEL_NODE_NAME = nodeName are this agent's. */
  readonly nodeName: string;
}

export class RuntimeCache {
  readonly #runtime: ContainerRuntime;
  readonly #log: Logger;
  readonly #mine: Readonly<Record<string, string>>;
  readonly #sandboxStatus = new Map<string, Cached<PodSandboxStatus>>();
  readonly #containerStatus = new Map<string, Cached<ContainerStatus>>();
  #pods = new Map<string, RuntimeSnapshot>();
  /** What the last relist listed: each object's state by id, and how many objects each pod had. */
  #sandboxStates = new Map<string, SandboxState>();
  #containerStates = new Map<string, ContainerState>();
  #counts = new Map<string, number>();
  #relisted = false;
  #inFlight: Promise<Listed> | undefined;
  #queued: Promise<Listed> | undefined;

  constructor(options: RuntimeCacheOptions) {
    this.#runtime = options.runtime;
    this.#log = options.log;
    this.#mine = { [LABEL_NODE_NAME]: options.nodeName };
  }

  /** Whether one relist has completed (the view is known). */
  get relisted(): boolean {
    return this.#relisted;
  }

  get(uid: string): RuntimeSnapshot {
    return this.#pods.get(uid) ?? EMPTY_SNAPSHOT;
  }

  /** Uids that have anything in the runtime. */
  uids(): string[] {
    return [...this.#pods.keys()];
  }

  /** Lists the runtime; returns the uids whose sandboxes or containers changed since the last relist. */
  async relist(): Promise<string[]> {
    const [sandboxes, containers] = await Promise.all([
      this.#runtime.listPodSandboxStates({ labelSelector: this.#mine }),
      this.#runtime.listContainerStates({ labelSelector: this.#mine }),
    ]);
    type Group = { sandboxes: ListedSandbox[]; containers: ListedContainer[] };
    const grouped = new Map<string, Group>();
    const group = (uid: string): Group => {
      let g = grouped.get(uid);
      if (g === undefined) grouped.set(uid, (g = { sandboxes: [], containers: [] }));
      return g;
    };
    for (const s of sandboxes) if (s.podUid) group(s.podUid).sandboxes.push(s);
    for (const c of containers) if (c.podUid) group(c.podUid).containers.push(c);
    const changed: string[] = [];
    const pods = new Map<string, RuntimeSnapshot>();
    const counts = new Map<string, number>();
    // A pod is unchanged when it has as many objects as at the last relist and each was listed
    // then in the state it has now (an id never moves to another pod).
    const same = (
      objects: readonly { id: string; state: string }[],
      before: ReadonlyMap<string, string>,
    ): boolean => objects.every((o) => before.get(o.id) === o.state);
    for (const [uid, g] of grouped) {
      const count = g.sandboxes.length + g.containers.length;
      counts.set(uid, count);
      const previous = this.#pods.get(uid);
      if (
        previous !== undefined &&
        this.#counts.get(uid) === count &&
        same(g.sandboxes, this.#sandboxStates) &&
        same(g.containers, this.#containerStates)
      ) {
        pods.set(uid, previous);
        continue;
      }
      changed.push(uid);
    }
    // A few pods at a time: one slow status (Docker's wait for a late OOM event) must not hold
    // up the others, and a burst of changes must not open a request per container at once.
    let next = 0;
    const lane = async (): Promise<void> => {
      for (let i = next++; i < changed.length; i = next++) {
        const uid = changed[i] as string;
        const g = grouped.get(uid);
        if (g !== undefined) pods.set(uid, await this.#snapshot(g.sandboxes, g.containers));
      }
    };
    await Promise.all(Array.from({ length: RELIST_LANES }, lane));
    for (const uid of this.#pods.keys()) if (!grouped.has(uid)) changed.push(uid);
    this.#pods = pods;
    this.#counts = counts;
    this.#sandboxStates = new Map(sandboxes.map((s) => [s.id, s.state]));
    this.#containerStates = new Map(containers.map((c) => [c.id, c.state]));
    this.#prune(this.#sandboxStates, this.#containerStates);
    this.#relisted = true;
    return changed;
  }

  /**
   * One pod read fresh from the runtime: from a list of all this node's objects that started after
   * the call. Concurrent syncs share such a list (at most one runs, and one more waits behind it),
   * so a burst of pod syncs costs the runtime two list calls per round, not two per sync.
   */
  async podView(uid: string): Promise<RuntimeSnapshot> {
    const listed = await this.#freshList();
    const sandboxes = listed.sandboxes.filter((s) => s.podUid === uid);
    const containers = listed.containers.filter((c) => c.podUid === uid);
    // The relist's own record is left alone: it compares relist with relist (kubelet: PLEG), so
    // that a change a sync happened to see first still wakes the pod.
    return this.#snapshot(sandboxes, containers);
  }

  /** A list that starts after this call: the one queued behind a list in flight, or a new one. */
  #freshList(): Promise<Listed> {
    if (this.#queued !== undefined) return this.#queued;
    if (this.#inFlight === undefined) return this.#startList();
    const queued = this.#inFlight.then(
      () => this.#startList(),
      () => this.#startList(),
    );
    this.#queued = queued;
    return queued;
  }

  #startList(): Promise<Listed> {
    this.#queued = undefined;
    const selector = { labelSelector: this.#mine };
    const listing = Promise.all([
      this.#runtime.listPodSandboxStates(selector),
      this.#runtime.listContainerStates(selector),
    ]).then(([sandboxes, containers]) => ({ sandboxes, containers }));
    this.#inFlight = listing;
    const done = (): void => {
      if (this.#inFlight === listing) this.#inFlight = undefined;
    };
    listing.then(done, done);
    return listing;
  }

  async #snapshot(
    sandboxes: readonly ListedSandbox[],
    containers: readonly ListedContainer[],
  ): Promise<RuntimeSnapshot> {
    const sandboxStatuses = await Promise.all(
      sandboxes.map((s) =>
        this.#status(this.#sandboxStatus, s.id, s.state, () => this.#runtime.podSandboxStatus(s.id)),
      ),
    );
    const containerStatuses = await Promise.all(
      containers.map((c) =>
        this.#status(this.#containerStatus, c.id, c.state, () => this.#runtime.containerStatus(c.id)),
      ),
    );
    const present = <T>(v: T | undefined): v is T => v !== undefined;
    return {
      sandboxes: sandboxStatuses
        .filter(present)
        .sort((a, b) => cmp(b.createdAt, a.createdAt) || b.metadata.attempt - a.metadata.attempt),
      containers: containerStatuses
        .filter(present)
        .sort((a, b) => cmp(b.createdAt, a.createdAt) || b.metadata.attempt - a.metadata.attempt),
    };
  }

  /**
   * A status from the cache when the listed state is unchanged; undefined if the object vanished
   * meanwhile. Running and ready objects are cached too: what a status holds (times, exit code,
   * IP) changes only with the state, and a status call per running container per sync is what made
   * a burst of pod starts on Docker wait on its daemon (one inspect each, while it creates others).
   */
  async #status<T>(
    cache: Map<string, Cached<T>>,
    id: string,
    state: string,
    fetch: () => Promise<T>,
  ): Promise<T | undefined> {
    const cached = cache.get(id);
    if (cached !== undefined && cached.state === state) return cached.status;
    try {
      const status = await fetch();
      cache.set(id, { state, status });
      return status;
    } catch (err) {
      this.#log.debug({ id, err: String(err) }, "status of a listed object failed");
      cache.delete(id);
      return undefined;
    }
  }

  #prune(sandboxIds: ReadonlyMap<string, unknown>, containerIds: ReadonlyMap<string, unknown>): void {
    for (const id of this.#sandboxStatus.keys()) if (!sandboxIds.has(id)) this.#sandboxStatus.delete(id);
    for (const id of this.#containerStatus.keys())
      if (!containerIds.has(id)) this.#containerStatus.delete(id);
  }
}

function cmp(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
