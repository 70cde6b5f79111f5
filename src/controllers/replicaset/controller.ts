/**
 * The ReplicaSet controller (pkg/controller/replicaset): keeps spec.replicas pods matching the
 * selector, owned through a controller ownerReference. It adopts orphans that match, releases pods
 * that stopped matching, creates missing pods in slow-start batches, deletes extra pods in the
 * order of the deletion ranking, and writes status. Expectations keep a sync from acting twice on
 * writes its informer has not seen yet.
 */
import { isDeepStrictEqual } from "node:util";
import { resourcePath, type ApiClient } from "../../api/index.js";
import type { Clock } from "../../common/clock.js";
import { errorMessage, isConflict, isNotFound } from "../../common/errors.js";
import type { Logger } from "../../common/log.js";
import type { EventRecorder } from "../../agent/events/index.js";
import type { Informer } from "../informers/index.js";
import { WorkQueue } from "../queue/index.js";
import {
  Expectations,
  SLOW_START_INITIAL_BATCH_SIZE,
  controllerOf,
  isPodActive,
  isPodReady,
  keyOf,
  labelsOf,
  newControllerRef,
  rankForDeletion,
  runWorkers,
  selects,
  slowStartBatch,
  splitKey,
  type Pod,
  type ReplicaSet,
} from "../util/index.js";
import { calculateStatus, type ManageError } from "./status.js";

export const BURST_REPLICAS = 500; // replicaset: BurstReplicas
export const REPLICASET_WORKERS = 5; // kube-controller-manager --concurrent-replicaset-syncs

const RS_API_VERSION = "apps/v1";
const RS_KIND = "ReplicaSet";

export interface ReplicaSetControllerOptions {
  readonly client: Pick<ApiClient, "create" | "delete" | "patch" | "update" | "get">;
  readonly pods: Informer<Pod>;
  readonly replicaSets: Informer<ReplicaSet>;
  readonly recorder: EventRecorder;
  readonly clock: Clock;
  readonly log: Logger;
  readonly workers?: number;
  readonly burstReplicas?: number;
}

export class ReplicaSetController {
  readonly #opts: ReplicaSetControllerOptions;
  readonly #queue: WorkQueue;
  readonly #expectations: Expectations;
  readonly #log: Logger;

  constructor(opts: ReplicaSetControllerOptions) {
    this.#opts = opts;
    this.#queue = new WorkQueue({ clock: opts.clock });
    this.#expectations = new Expectations(opts.clock);
    this.#log = opts.log.child({ controller: "replicaset" });
    opts.replicaSets.addHandler({
      onAdd: (rs) => this.#enqueue(rs),
      onUpdate: (_old, rs) => this.#enqueue(rs),
      onDelete: (rs) => {
        this.#expectations.delete(keyOf(rs));
        this.#enqueue(rs);
      },
    });
    opts.pods.addHandler({
      onAdd: (pod) => this.#podAdded(pod),
      onUpdate: (old, pod) => this.#podUpdated(old, pod),
      onDelete: (pod) => this.#podDeleted(pod),
    });
  }

  /** Runs the workers until the signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    signal.addEventListener("abort", () => this.#queue.shutDown(), { once: true });
    for (const rs of this.#opts.replicaSets.list()) this.#enqueue(rs);
    await runWorkers(
      this.#queue,
      this.#opts.workers ?? REPLICASET_WORKERS,
      (key) => this.sync(key),
      this.#log,
    );
  }

  #enqueue(rs: ReplicaSet): void {
    this.#queue.add(keyOf(rs));
  }

  /** The ReplicaSet controlling a pod, from the cache, if its uid still matches. */
  #owner(pod: Pod): ReplicaSet | undefined {
    const ref = controllerOf(pod);
    if (ref === undefined || ref.kind !== RS_KIND) return undefined;
    const rs = this.#opts.replicaSets.get(`${pod.metadata.namespace ?? ""}/${ref.name}`);
    return rs?.metadata.uid === ref.uid ? rs : undefined;
  }

  /** Orphan pods wake every ReplicaSet that selects them: one of them may adopt it. */
  #selecting(pod: Pod): ReplicaSet[] {
    return this.#opts.replicaSets
      .list(pod.metadata.namespace)
      .filter((rs) => selects(rs.spec?.selector, labelsOf(pod)));
  }

  #podAdded(pod: Pod): void {
    if (pod.metadata.deletionTimestamp !== undefined) {
      this.#podDeleted(pod);
      return;
    }
    const rs = this.#owner(pod);
    if (rs !== undefined) {
      this.#expectations.creationObserved(keyOf(rs));
      this.#enqueue(rs);
      return;
    }
    if (controllerOf(pod) === undefined) for (const r of this.#selecting(pod)) this.#enqueue(r);
  }

  #podUpdated(old: Pod, pod: Pod): void {
    if (old.metadata.resourceVersion === pod.metadata.resourceVersion) return;
    if (pod.metadata.deletionTimestamp !== undefined && old.metadata.deletionTimestamp === undefined) {
      // a graceful deletion: count it now so a replacement starts while the old one terminates
      this.#podDeleted(pod);
      return;
    }
    const oldOwner = this.#owner(old);
    const owner = this.#owner(pod);
    if (oldOwner !== undefined && oldOwner.metadata.uid !== owner?.metadata.uid) this.#enqueue(oldOwner);
    if (owner !== undefined) {
      this.#enqueue(owner);
      const minReady = owner.spec?.minReadySeconds ?? 0;
      if (!isPodReady(old) && isPodReady(pod) && minReady > 0) {
        this.#queue.addAfter(keyOf(owner), minReady * 1000 + 1000);
      }
      return;
    }
    const labelsChanged = !isDeepStrictEqual(labelsOf(old), labelsOf(pod));
    if (controllerOf(pod) === undefined && (labelsChanged || oldOwner !== undefined)) {
      for (const r of this.#selecting(pod)) this.#enqueue(r);
    }
  }

  #podDeleted(pod: Pod): void {
    const rs = this.#owner(pod);
    if (rs === undefined) return;
    this.#expectations.deletionObserved(keyOf(rs), pod.metadata.uid ?? "");
    this.#enqueue(rs);
  }

  /** syncReplicaSet */
  async sync(key: string): Promise<void> {
    const rs = this.#opts.replicaSets.get(key);
    if (rs === undefined) {
      this.#expectations.delete(key);
      return;
    }
    const needsSync = this.#expectations.satisfied(key);
    const [namespace] = splitKey(key);
    const candidates = this.#opts.pods.list(namespace).filter(isPodActive);
    const pods = await this.#claimPods(rs, candidates);
    let manageError: ManageError | undefined;
    if (needsSync && rs.metadata.deletionTimestamp === undefined) {
      manageError = await this.#manageReplicas(rs, pods);
    }
    const now = this.#opts.clock.now();
    const status = calculateStatus(rs, pods, manageError, now);
    const updated = await this.#updateStatus(rs, status);
    const minReady = rs.spec?.minReadySeconds ?? 0;
    if (
      manageError === undefined &&
      minReady > 0 &&
      updated.readyReplicas === updated.replicas &&
      updated.availableReplicas !== updated.replicas
    ) {
      this.#queue.addAfter(key, minReady * 1000);
    }
    if (manageError !== undefined) throw manageError.error;
  }

  /**
   * ClaimPods (PodControllerRefManager): the pods this RS owns and still selects, plus orphans it
   * selects (adopted, unless the RS is being deleted); owned pods it no longer selects are released.
   */
  async #claimPods(rs: ReplicaSet, candidates: readonly Pod[]): Promise<Pod[]> {
    const uid = rs.metadata.uid ?? "";
    const claimed: Pod[] = [];
    for (const pod of candidates) {
      const ref = controllerOf(pod);
      const matches = selects(rs.spec?.selector, labelsOf(pod));
      if (ref !== undefined) {
        if (ref.uid !== uid) continue;
        if (matches) claimed.push(pod);
        else await this.#release(rs, pod);
        continue;
      }
      if (!matches || rs.metadata.deletionTimestamp !== undefined) continue;
      if (await this.#adopt(rs, pod)) claimed.push(pod);
    }
    return claimed;
  }

  async #adopt(rs: ReplicaSet, pod: Pod): Promise<boolean> {
    // RecheckDeletionTimestamp: the live RS, not the cached one, decides
    const live = await this.#opts.client.get<ReplicaSet>(this.#rsPath(rs)).catch(() => undefined);
    if (
      live === undefined ||
      live.metadata.uid !== rs.metadata.uid ||
      live.metadata.deletionTimestamp !== undefined
    ) {
      return false;
    }
    const ref = newControllerRef(rs, RS_API_VERSION, RS_KIND);
    try {
      await this.#opts.client.patch(
        resourcePath({
          resource: "pods",
          namespace: pod.metadata.namespace ?? "",
          name: pod.metadata.name ?? "",
        }),
        { metadata: { ownerReferences: [ref], uid: pod.metadata.uid } },
        "strategic",
      );
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  async #release(rs: ReplicaSet, pod: Pod): Promise<void> {
    try {
      await this.#opts.client.patch(
        resourcePath({
          resource: "pods",
          namespace: pod.metadata.namespace ?? "",
          name: pod.metadata.name ?? "",
        }),
        {
          metadata: { ownerReferences: [{ $patch: "delete", uid: rs.metadata.uid }], uid: pod.metadata.uid },
        },
        "strategic",
      );
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  #rsPath(rs: ReplicaSet, subresource?: string): string {
    return resourcePath({
      group: "apps",
      resource: "replicasets",
      namespace: rs.metadata.namespace ?? "",
      name: rs.metadata.name ?? "",
      ...(subresource !== undefined ? { subresource } : {}),
    });
  }

  /** manageReplicas */
  async #manageReplicas(rs: ReplicaSet, pods: readonly Pod[]): Promise<ManageError | undefined> {
    const key = keyOf(rs);
    const want = rs.spec?.replicas ?? 1;
    const burst = this.#opts.burstReplicas ?? BURST_REPLICAS;
    const diff = pods.length - want;
    if (diff < 0) {
      const count = Math.min(-diff, burst);
      this.#expectations.expectCreations(key, count);
      const { successes, error } = await slowStartBatch(count, SLOW_START_INITIAL_BATCH_SIZE, () =>
        this.#createPod(rs),
      );
      for (let i = successes; i < count; i++) this.#expectations.creationSkipped(key);
      return error === undefined ? undefined : { creating: true, error };
    }
    if (diff > 0) {
      const count = Math.min(diff, burst);
      const victims = rankForDeletion(pods, pods).slice(0, count);
      this.#expectations.expectDeletions(
        key,
        victims.map((p) => p.metadata.uid ?? ""),
      );
      const results = await Promise.allSettled(victims.map((p) => this.#deletePod(rs, p)));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
      results.forEach((r, i) => {
        if (r.status === "rejected") this.#expectations.deletionObserved(key, victims[i]?.metadata.uid ?? "");
      });
      return failed === undefined ? undefined : { creating: false, error: failed.reason };
    }
    return undefined;
  }

  async #createPod(rs: ReplicaSet): Promise<void> {
    const template = rs.spec?.template ?? {};
    const namespace = rs.metadata.namespace ?? "";
    const pod: Pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        generateName: `${rs.metadata.name ?? ""}-`,
        namespace,
        labels: { ...(template.metadata?.labels ?? {}) },
        ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
        ...(template.metadata?.finalizers ? { finalizers: [...template.metadata.finalizers] } : {}),
        ownerReferences: [newControllerRef(rs, RS_API_VERSION, RS_KIND)],
      },
      spec: structuredClone(template.spec) as NonNullable<Pod["spec"]>,
    };
    const ref = this.#involved(rs);
    try {
      const created = await this.#opts.client.create<Pod>(resourcePath({ resource: "pods", namespace }), pod);
      this.#opts.recorder.event(
        ref,
        "Normal",
        "SuccessfulCreate",
        `Created pod: ${created.metadata.name ?? ""}`,
      );
    } catch (err) {
      this.#opts.recorder.event(ref, "Warning", "FailedCreate", `Error creating: ${errorMessage(err)}`);
      throw err;
    }
  }

  async #deletePod(rs: ReplicaSet, pod: Pod): Promise<void> {
    const ref = this.#involved(rs);
    const name = pod.metadata.name ?? "";
    try {
      await this.#opts.client.delete(
        resourcePath({ resource: "pods", namespace: pod.metadata.namespace ?? "", name }),
      );
      this.#opts.recorder.event(ref, "Normal", "SuccessfulDelete", `Deleted pod: ${name}`);
    } catch (err) {
      if (isNotFound(err)) return;
      this.#opts.recorder.event(ref, "Warning", "FailedDelete", `Error deleting: ${errorMessage(err)}`);
      throw err;
    }
  }

  #involved(rs: ReplicaSet) {
    return {
      kind: RS_KIND,
      apiVersion: RS_API_VERSION,
      name: rs.metadata.name ?? "",
      namespace: rs.metadata.namespace ?? "",
      uid: rs.metadata.uid ?? "",
    };
  }

  /** updateReplicaSetStatus: write status when it changed; the answer (or the cache) is returned. */
  async #updateStatus(rs: ReplicaSet, status: ReturnType<typeof calculateStatus>) {
    const current = rs.status ?? {};
    if (isDeepStrictEqual(JSON.parse(JSON.stringify(current)), JSON.parse(JSON.stringify(status))))
      return status;
    // as upstream: one retry on a fresh copy when the cached one is stale
    let base = rs;
    for (let attempt = 0; ; attempt++) {
      try {
        const updated = await this.#opts.client.update<ReplicaSet>(this.#rsPath(rs, "status"), {
          ...base,
          status,
        });
        return updated.status ?? status;
      } catch (err) {
        if (isNotFound(err)) return status;
        if (!isConflict(err) || attempt > 0) throw err;
        base = await this.#opts.client.get<ReplicaSet>(this.#rsPath(rs));
        if (base.metadata.uid !== rs.metadata.uid) return status;
      }
    }
  }
}
