/**
 * The Deployment controller (pkg/controller/deployment): watches Deployments, their ReplicaSets
 * and the pods of those, claims ReplicaSets by selector and controller ownerReference, and runs one
 * sync per Deployment key at a time (rollout.ts).
 */
import { isDeepStrictEqual } from "node:util";
import type { EventRecorder } from "../../agent/events/index.js";
import type { Clock } from "../../common/clock.js";
import { isNotFound } from "../../common/errors.js";
import type { Logger } from "../../common/log.js";
import type { Informer } from "../informers/index.js";
import { WorkQueue } from "../queue/index.js";
import {
  controllerOf,
  keyOf,
  labelsOf,
  newControllerRef,
  runWorkers,
  selects,
  splitKey,
  type Deployment,
  type Pod,
  type ReplicaSet,
} from "../util/index.js";
import { involved, rsPath, type Client } from "./replica-sets.js";
import { syncDeployment } from "./rollout.js";

export const DEPLOYMENT_WORKERS = 5; // kube-controller-manager --concurrent-deployment-syncs

export interface DeploymentControllerOptions {
  readonly client: Client;
  readonly deployments: Informer<Deployment>;
  readonly replicaSets: Informer<ReplicaSet>;
  readonly pods: Informer<Pod>;
  readonly recorder: EventRecorder;
  readonly clock: Clock;
  readonly log: Logger;
  readonly workers?: number;
}

export class DeploymentController {
  readonly #opts: DeploymentControllerOptions;
  readonly #queue: WorkQueue;
  readonly #log: Logger;

  constructor(opts: DeploymentControllerOptions) {
    this.#opts = opts;
    this.#queue = new WorkQueue({ clock: opts.clock });
    this.#log = opts.log.child({ controller: "deployment" });
    opts.deployments.addHandler({
      onAdd: (d) => this.#enqueue(d),
      onUpdate: (_old, d) => this.#enqueue(d),
      onDelete: (d) => this.#enqueue(d),
    });
    opts.replicaSets.addHandler({
      onAdd: (rs) => this.#replicaSetChanged(undefined, rs),
      onUpdate: (old, rs) => this.#replicaSetChanged(old, rs),
      onDelete: (rs) => this.#replicaSetChanged(undefined, rs),
    });
    opts.pods.addHandler({ onDelete: (pod) => this.#podDeleted(pod) });
  }

  async run(signal: AbortSignal): Promise<void> {
    signal.addEventListener("abort", () => this.#queue.shutDown(), { once: true });
    for (const d of this.#opts.deployments.list()) this.#enqueue(d);
    await runWorkers(
      this.#queue,
      this.#opts.workers ?? DEPLOYMENT_WORKERS,
      (key) => this.sync(key),
      this.#log,
    );
  }

  #enqueue(d: Deployment): void {
    this.#queue.add(keyOf(d));
  }

  #ownerOf(rs: ReplicaSet): Deployment | undefined {
    const ref = controllerOf(rs);
    if (ref === undefined || ref.kind !== "Deployment") return undefined;
    const d = this.#opts.deployments.get(`${rs.metadata.namespace ?? ""}/${ref.name}`);
    return d?.metadata.uid === ref.uid ? d : undefined;
  }

  #replicaSetChanged(old: ReplicaSet | undefined, rs: ReplicaSet): void {
    const oldOwner = old === undefined ? undefined : this.#ownerOf(old);
    const owner = this.#ownerOf(rs);
    if (oldOwner !== undefined && oldOwner.metadata.uid !== owner?.metadata.uid) this.#enqueue(oldOwner);
    if (owner !== undefined) {
      this.#enqueue(owner);
      return;
    }
    if (controllerOf(rs) !== undefined) return;
    if (old !== undefined && isDeepStrictEqual(labelsOf(old), labelsOf(rs)) && oldOwner === undefined) return;
    for (const d of this.#opts.deployments.list(rs.metadata.namespace)) {
      if (selects(d.spec?.selector, labelsOf(rs))) this.#enqueue(d);
    }
  }

  /** Recreate waits for old pods to be gone: their deletion wakes the Deployment. */
  #podDeleted(pod: Pod): void {
    const ref = controllerOf(pod);
    if (ref === undefined || ref.kind !== "ReplicaSet") return;
    const rs = this.#opts.replicaSets.get(`${pod.metadata.namespace ?? ""}/${ref.name}`);
    const d = rs === undefined ? undefined : this.#ownerOf(rs);
    if (d !== undefined && d.spec?.strategy?.type === "Recreate") this.#enqueue(d);
  }

  async sync(key: string): Promise<void> {
    const d = this.#opts.deployments.get(key);
    if (d === undefined) return;
    const selector = d.spec?.selector;
    if (
      selector === undefined ||
      (Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0)
    ) {
      this.#opts.recorder.event(
        involved(d),
        "Warning",
        "SelectingAll",
        "This deployment is selecting all pods. A non-empty selector is required.",
      );
      return;
    }
    const [namespace] = splitKey(key);
    const owned = await this.#claimReplicaSets(d, this.#opts.replicaSets.list(namespace));
    const pods = this.#opts.pods.list(namespace);
    const result = await syncDeployment(
      {
        client: this.#opts.client,
        recorder: this.#opts.recorder,
        now: this.#opts.clock.now(),
        podsOf: (rs) => pods.filter((p) => controllerOf(p)?.uid === rs.metadata.uid),
      },
      d,
      owned,
    );
    if (result.requeueAfterMs !== undefined) this.#queue.addAfter(key, result.requeueAfterMs);
  }

  /** ClaimReplicaSets: owned and selected, adopted orphans, released ones that stopped matching. */
  async #claimReplicaSets(d: Deployment, candidates: readonly ReplicaSet[]): Promise<ReplicaSet[]> {
    const uid = d.metadata.uid ?? "";
    const claimed: ReplicaSet[] = [];
    for (const rs of candidates) {
      const ref = controllerOf(rs);
      const matches = selects(d.spec?.selector, labelsOf(rs));
      if (ref !== undefined) {
        if (ref.uid !== uid) continue;
        if (matches) claimed.push(rs);
        else await this.#patchOwner(rs, { $patch: "delete", uid });
        continue;
      }
      if (
        !matches ||
        d.metadata.deletionTimestamp !== undefined ||
        rs.metadata.deletionTimestamp !== undefined
      )
        continue;
      if (await this.#patchOwner(rs, newControllerRef(d, "apps/v1", "Deployment"))) claimed.push(rs);
    }
    return claimed;
  }

  async #patchOwner(rs: ReplicaSet, ref: unknown): Promise<boolean> {
    try {
      await this.#opts.client.patch(
        rsPath(rs),
        { metadata: { ownerReferences: [ref], uid: rs.metadata.uid } },
        "strategic",
      );
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }
}
