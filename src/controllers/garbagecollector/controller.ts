/**
 * The garbage collector (pkg/controller/garbagecollector): deletes objects whose owners are all
 * gone, releases dependents of an owner deleted with the orphan finalizer, and deletes the
 * dependents of an owner deleted with foregroundDeletion before letting the owner go (only
 * dependents with blockOwnerDeletion hold it). It watches every served resource but events.
 */
import type { ApiClient, KubeObject } from "../../api/index.js";
import type { Clock } from "../../common/clock.js";
import { isConflict, isNotFound } from "../../common/errors.js";
import type { Logger } from "../../common/log.js";
import { apiVersionOf, collectionPath, objectPath, type ServedResource } from "../discovery.js";
import type { InformerFactory } from "../informers/index.js";
import { WorkQueue } from "../queue/index.js";
import { runWorkers, type OwnerReference } from "../util/index.js";
import { OwnershipGraph, type GraphNode } from "./graph.js";

export const FINALIZER_ORPHAN = "orphan"; // metav1.FinalizerOrphanDependents
export const FINALIZER_FOREGROUND = "foregroundDeletion"; // metav1.FinalizerDeleteDependents
export const GC_WORKERS = 20; // kube-controller-manager --concurrent-gc-syncs
/** DefaultIgnoredResources: events are never owners or dependents worth collecting. */
const IGNORED = new Set(["events"]);

export interface GarbageCollectorOptions {
  readonly client: Pick<ApiClient, "get" | "delete" | "patch">;
  readonly informers: InformerFactory;
  readonly resources: readonly ServedResource[];
  readonly clock: Clock;
  readonly log: Logger;
}

export class GarbageCollector {
  readonly #opts: GarbageCollectorOptions;
  readonly #graph = new OwnershipGraph();
  readonly #attemptToDelete: WorkQueue;
  readonly #attemptToOrphan: WorkQueue;
  readonly #log: Logger;
  readonly #monitored: ServedResource[];

  constructor(opts: GarbageCollectorOptions) {
    this.#opts = opts;
    this.#log = opts.log.child({ controller: "garbagecollector" });
    this.#attemptToDelete = new WorkQueue({ clock: opts.clock });
    this.#attemptToOrphan = new WorkQueue({ clock: opts.clock });
    this.#monitored = opts.resources.filter(
      (r) => !IGNORED.has(r.resource) && ["list", "watch", "delete"].every((v) => r.verbs.includes(v)),
    );
    for (const r of this.#monitored) {
      opts.informers.for<KubeObject>(collectionPath(r)).addHandler({
        onAdd: (obj) => this.#observe(r, obj),
        onUpdate: (_old, obj) => this.#observe(r, obj),
        onDelete: (obj) => this.#removed(obj),
      });
    }
  }

  async run(signal: AbortSignal): Promise<void> {
    signal.addEventListener(
      "abort",
      () => {
        this.#attemptToDelete.shutDown();
        this.#attemptToOrphan.shutDown();
      },
      { once: true },
    );
    for (const node of this.#graph.nodes()) this.#classify(node);
    await Promise.all([
      runWorkers(this.#attemptToDelete, GC_WORKERS, (uid) => this.#attemptToDeleteItem(uid), this.#log),
      runWorkers(this.#attemptToOrphan, 1, (uid) => this.#orphanDependents(uid), this.#log),
    ]);
  }

  #observe(resource: ServedResource, obj: KubeObject): void {
    const meta = obj.metadata ?? {};
    const uid = meta.uid ?? "";
    if (uid === "") return;
    const node: GraphNode = {
      uid,
      resource,
      namespace: meta.namespace,
      name: meta.name ?? "",
      owners: Array.isArray(meta.ownerReferences) ? (meta.ownerReferences as OwnerReference[]) : [],
      deleting: meta.deletionTimestamp !== undefined,
      finalizers: meta.finalizers ?? [],
    };
    this.#graph.set(node);
    this.#classify(node);
  }

  /** What an object's state asks of the collector. */
  #classify(node: GraphNode): void {
    if (node.deleting && node.finalizers.includes(FINALIZER_ORPHAN)) this.#attemptToOrphan.add(node.uid);
    if (node.deleting && node.finalizers.includes(FINALIZER_FOREGROUND)) {
      this.#attemptToDelete.add(node.uid);
      for (const d of this.#graph.dependentsOf(node.uid)) this.#attemptToDelete.add(d.uid);
    }
    if (node.owners.some((o) => this.#graph.get(o.uid) === undefined || this.#graph.get(o.uid)?.deleting)) {
      this.#attemptToDelete.add(node.uid);
    }
  }

  #removed(obj: KubeObject): void {
    const uid = obj.metadata?.uid ?? "";
    const old = this.#graph.remove(uid);
    if (old === undefined) return;
    for (const d of this.#graph.dependentsOf(uid)) this.#attemptToDelete.add(d.uid);
    // an owner waiting for its dependents may now go
    for (const o of old.owners) if (this.#graph.get(o.uid)?.deleting) this.#attemptToDelete.add(o.uid);
  }

  #resourceFor(ref: OwnerReference): ServedResource | undefined {
    return this.#opts.resources.find((r) => apiVersionOf(r) === ref.apiVersion && r.kind === ref.kind);
  }

  /** Whether an owner exists: the graph, else a live read by name whose uid must match. */
  async #ownerState(node: GraphNode, ref: OwnerReference): Promise<"solid" | "dangling" | "waiting"> {
    const known = this.#graph.get(ref.uid);
    if (known !== undefined) {
      return known.deleting && known.finalizers.includes(FINALIZER_FOREGROUND) ? "waiting" : "solid";
    }
    const resource = this.#resourceFor(ref);
    if (resource === undefined) return "dangling";
    try {
      const live = await this.#opts.client.get<KubeObject>(
        objectPath(resource, resource.namespaced ? node.namespace : undefined, ref.name),
      );
      return live.metadata?.uid === ref.uid ? "solid" : "dangling";
    } catch (err) {
      if (isNotFound(err)) return "dangling";
      throw err;
    }
  }

  /** attemptToDeleteItem */
  async #attemptToDeleteItem(uid: string): Promise<void> {
    const node = this.#graph.get(uid);
    if (node === undefined) return;
    if (node.deleting) {
      if (node.finalizers.includes(FINALIZER_FOREGROUND)) await this.#processDeletingDependents(node);
      return;
    }
    if (node.owners.length === 0) return;
    const solid: OwnerReference[] = [];
    const dangling: OwnerReference[] = [];
    const waiting: OwnerReference[] = [];
    for (const ref of node.owners) {
      const state = await this.#ownerState(node, ref);
      (state === "solid" ? solid : state === "dangling" ? dangling : waiting).push(ref);
    }
    if (solid.length > 0) {
      // a live owner keeps the object; references to gone or going owners are dropped
      for (const ref of [...dangling, ...waiting]) await this.#removeOwnerReference(node, ref.uid);
      return;
    }
    const policy =
      waiting.length > 0 || node.finalizers.includes(FINALIZER_FOREGROUND)
        ? "Foreground"
        : node.finalizers.includes(FINALIZER_ORPHAN)
          ? "Orphan"
          : "Background";
    this.#log.debug({ uid, name: node.name, resource: node.resource.resource, policy }, "deleting dependent");
    try {
      await this.#opts.client.delete(objectPath(node.resource, node.namespace, node.name), {
        propagationPolicy: policy,
        preconditions: { uid },
      });
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }

  /** processDeletingDependentsItem: delete dependents; drop the finalizer once no blocking one is left. */
  async #processDeletingDependents(owner: GraphNode): Promise<void> {
    const dependents = this.#graph.dependentsOf(owner.uid);
    const blocking = dependents.filter((d) =>
      d.owners.some((o) => o.uid === owner.uid && o.blockOwnerDeletion === true),
    );
    if (blocking.length === 0) {
      await this.#removeFinalizer(owner, FINALIZER_FOREGROUND);
      return;
    }
    for (const d of dependents) if (!d.deleting) this.#attemptToDelete.add(d.uid);
  }

  /** attemptToOrphan: release every dependent, then the owner's orphan finalizer. */
  async #orphanDependents(uid: string): Promise<void> {
    const owner = this.#graph.get(uid);
    if (owner === undefined) return;
    for (const d of this.#graph.dependentsOf(uid)) await this.#removeOwnerReference(d, uid);
    await this.#removeFinalizer(owner, FINALIZER_ORPHAN);
  }

  async #removeOwnerReference(node: GraphNode, ownerUid: string): Promise<void> {
    try {
      await this.#opts.client.patch(
        objectPath(node.resource, node.namespace, node.name),
        { metadata: { ownerReferences: [{ $patch: "delete", uid: ownerUid }], uid: node.uid } },
        "strategic",
      );
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  async #removeFinalizer(node: GraphNode, finalizer: string): Promise<void> {
    const path = objectPath(node.resource, node.namespace, node.name);
    try {
      const live = await this.#opts.client.get<KubeObject>(path);
      if (live.metadata?.uid !== node.uid) return;
      const rest = (live.metadata.finalizers ?? []).filter((f) => f !== finalizer);
      if (rest.length === (live.metadata.finalizers ?? []).length) return;
      await this.#opts.client.patch(
        path,
        {
          metadata: {
            finalizers: rest.length > 0 ? rest : null,
            resourceVersion: live.metadata.resourceVersion,
          },
        },
        "merge",
      );
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
