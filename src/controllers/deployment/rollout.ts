/**
 * One sync of a Deployment (deployment_controller syncDeployment with rolling.go, recreate.go,
 * sync.go and progress.go): scaling events and paused deployments, RollingUpdate within
 * maxSurge/maxUnavailable, Recreate (old pods gone before new ones start), status and the
 * Progressing condition.
 */
import { isDeepStrictEqual } from "node:util";
import type { IDeploymentStatus } from "kubernetes-models/apps/v1";
import { resourcePath } from "../../api/index.js";
import type { EventRecorder } from "../../agent/events/index.js";
import type { Deployment, Pod, ReplicaSet } from "../util/index.js";
import { DESIRED_REPLICAS_ANNOTATION, REVISION_ANNOTATION } from "./annotations.js";
import {
  PROGRESSING,
  Reason,
  calculateStatus,
  getCondition,
  isComplete,
  isProgressing,
  isTimedOut,
  newCondition,
  removeCondition,
  setCondition,
} from "./conditions.js";
import {
  byCreation,
  cleanupOldReplicaSets,
  replicaSetsAndRevision,
  scaleReplicaSet,
  type Client,
} from "./replica-sets.js";
import {
  desiredReplicas,
  isRollingUpdate,
  maxSurge,
  maxUnavailable,
  newRSNewReplicas,
  specReplicas,
  sumSpec,
} from "./replicas.js";

export interface SyncContext {
  readonly client: Client;
  readonly recorder: EventRecorder;
  readonly now: number;
  /** Pods of a ReplicaSet (by uid) that have not finished, for Recreate. */
  readonly podsOf: (rs: ReplicaSet) => readonly Pod[];
}

/** What a sync asks of the controller afterwards: a requeue after this many ms. */
export interface SyncResult {
  readonly requeueAfterMs?: number;
}

function deploymentPath(d: Deployment, subresource?: string): string {
  return resourcePath({
    group: "apps",
    resource: "deployments",
    namespace: d.metadata.namespace ?? "",
    name: d.metadata.name ?? "",
    ...(subresource !== undefined ? { subresource } : {}),
  });
}

function active(rss: readonly ReplicaSet[]): ReplicaSet[] {
  return rss.filter((rs) => specReplicas(rs) > 0);
}

export async function syncDeployment(
  ctx: SyncContext,
  d0: Deployment,
  owned: readonly ReplicaSet[],
): Promise<SyncResult> {
  const d = await syncPausedCondition(ctx, d0);
  if (d.metadata.deletionTimestamp !== undefined) {
    const { newRS, oldRSs, deployment } = await replicaSetsAndRevision(
      ctx.client,
      ctx.recorder,
      d,
      owned,
      false,
      ctx.now,
    );
    await writeStatus(
      ctx,
      deployment,
      calculateStatus(deployment, [...oldRSs, ...(newRS ? [newRS] : [])], newRS, ctx.now),
    );
    return {};
  }
  if (d.spec?.paused === true || isScalingEvent(d, owned)) return scaleOnly(ctx, d, owned);
  return isRollingUpdate(d) ? rolloutRolling(ctx, d, owned) : rolloutRecreate(ctx, d, owned);
}

/** checkPausedConditions: Progressing is Unknown with DeploymentPaused or DeploymentResumed. */
async function syncPausedCondition(ctx: SyncContext, d: Deployment): Promise<Deployment> {
  const cond = getCondition(d.status, PROGRESSING);
  if (cond?.reason === Reason.TimedOut) return d;
  const paused = d.spec?.paused === true;
  const status = structuredClone(d.status ?? {});
  if (paused && cond?.reason !== Reason.Paused) {
    setCondition(
      status,
      newCondition(PROGRESSING, "Unknown", Reason.Paused, "Deployment is paused", ctx.now),
    );
  } else if (!paused && cond?.reason === Reason.Paused) {
    setCondition(
      status,
      newCondition(PROGRESSING, "Unknown", Reason.Resumed, "Deployment is resumed", ctx.now),
    );
  } else {
    return d;
  }
  return writeStatus(ctx, d, status);
}

/** isScalingEvent: an active ReplicaSet was sized for another desired count. */
function isScalingEvent(d: Deployment, owned: readonly ReplicaSet[]): boolean {
  const desired = String(desiredReplicas(d));
  return active(owned).some((rs) => {
    const ann = rs.metadata.annotations?.[DESIRED_REPLICAS_ANNOTATION];
    return ann !== undefined && ann !== desired;
  });
}

/** sync (sync.go): scale to the desired count without rolling, then write status. */
async function scaleOnly(ctx: SyncContext, d: Deployment, owned: readonly ReplicaSet[]): Promise<SyncResult> {
  const r = await replicaSetsAndRevision(ctx.client, ctx.recorder, d, owned, false, ctx.now);
  const deployment = r.deployment;
  let all = [...r.oldRSs, ...(r.newRS ? [r.newRS] : [])];
  all = await scale(ctx, deployment, r.newRS, r.oldRSs, all);
  if (d.spec?.paused === true) await cleanupOldReplicaSets(ctx.client, deployment, r.oldRSs);
  const newRS = r.newRS ? all.find((rs) => rs.metadata.uid === r.newRS?.metadata.uid) : undefined;
  const status = calculateStatus(deployment, all, newRS, ctx.now);
  await writeStatus(ctx, deployment, status);
  return {};
}

/**
 * scale (sync.go): one active ReplicaSet takes the whole count; a saturated new one means the old
 * ones go to 0; otherwise the difference to desired + maxSurge is shared in proportion to size,
 * the rest going to the largest.
 */
async function scale(
  ctx: SyncContext,
  d: Deployment,
  newRS: ReplicaSet | undefined,
  oldRSs: readonly ReplicaSet[],
  all: ReplicaSet[],
): Promise<ReplicaSet[]> {
  const desired = desiredReplicas(d);
  const replace = (updated: ReplicaSet) =>
    all.map((rs) => (rs.metadata.uid === updated.metadata.uid ? updated : rs));
  const activeRSs = active(all);
  const only =
    activeRSs.length === 1
      ? activeRSs[0]
      : activeRSs.length === 0
        ? (newRS ?? [...all].sort(byCreation).at(-1))
        : undefined;
  if (only !== undefined) {
    if (specReplicas(only) !== desired)
      all = replace(await scaleReplicaSet(ctx.client, ctx.recorder, d, only, desired));
    return all;
  }
  if (
    newRS !== undefined &&
    specReplicas(newRS) === desired &&
    (newRS.status?.availableReplicas ?? 0) === desired
  ) {
    for (const rs of active(oldRSs)) all = replace(await scaleReplicaSet(ctx.client, ctx.recorder, d, rs, 0));
    return all;
  }
  if (!isRollingUpdate(d)) return all;
  const allowed = desired + maxSurge(d);
  const current = sumSpec(activeRSs);
  let toAdd = allowed - current;
  if (toAdd === 0) return all;
  // largest first; newer first among equals (ReplicaSetsBySizeNewer / BySizeOlder for scale down)
  const ordered = [...activeRSs].sort(
    (a, b) => specReplicas(b) - specReplicas(a) || (toAdd > 0 ? byCreation(b, a) : byCreation(a, b)),
  );
  const sizes = new Map<string, number>();
  let added = 0;
  for (const rs of ordered) {
    const share = Math.trunc((specReplicas(rs) * toAdd) / Math.max(1, current));
    const bounded = toAdd > 0 ? Math.min(share, toAdd - added) : Math.max(share, toAdd - added);
    sizes.set(rs.metadata.uid ?? "", specReplicas(rs) + bounded);
    added += bounded;
  }
  toAdd -= added;
  const first = ordered[0];
  if (first !== undefined && toAdd !== 0) {
    const uid = first.metadata.uid ?? "";
    sizes.set(uid, Math.max(0, (sizes.get(uid) ?? 0) + toAdd));
  }
  for (const rs of ordered) {
    const size = sizes.get(rs.metadata.uid ?? "") ?? specReplicas(rs);
    all = replace(await scaleReplicaSet(ctx.client, ctx.recorder, d, rs, Math.max(0, size)));
  }
  return all;
}

/** rolloutRolling */
async function rolloutRolling(
  ctx: SyncContext,
  d: Deployment,
  owned: readonly ReplicaSet[],
): Promise<SyncResult> {
  const r = await replicaSetsAndRevision(ctx.client, ctx.recorder, d, owned, true, ctx.now);
  const deployment = r.deployment;
  let newRS = r.newRS;
  let oldRSs = r.oldRSs;
  const all = () => [...oldRSs, ...(newRS ? [newRS] : [])];
  // reconcileNewReplicaSet
  if (newRS !== undefined) {
    const desired = desiredReplicas(deployment);
    const size = specReplicas(newRS) > desired ? desired : newRSNewReplicas(deployment, all(), newRS);
    if (size !== specReplicas(newRS)) {
      newRS = await scaleReplicaSet(ctx.client, ctx.recorder, deployment, newRS, size);
      return syncRolloutStatus(ctx, deployment, all(), newRS);
    }
  }
  // reconcileOldReplicaSets
  const scaledDown = await reconcileOldReplicaSets(ctx, deployment, all(), oldRSs, newRS);
  if (scaledDown !== undefined) {
    oldRSs = scaledDown;
    return syncRolloutStatus(ctx, deployment, all(), newRS);
  }
  if (isComplete(deployment, calculateStatus(deployment, all(), newRS, ctx.now))) {
    await cleanupOldReplicaSets(ctx.client, deployment, oldRSs);
  }
  return syncRolloutStatus(ctx, deployment, all(), newRS);
}

/**
 * reconcileOldReplicaSets: scale old ReplicaSets down as far as availability allows: first their
 * unhealthy pods (cleanupUnhealthyReplicas), then available ones down to desired - maxUnavailable.
 * Returns the old ReplicaSets after scaling, undefined when nothing was scaled.
 */
async function reconcileOldReplicaSets(
  ctx: SyncContext,
  d: Deployment,
  all: readonly ReplicaSet[],
  oldRSs: readonly ReplicaSet[],
  newRS: ReplicaSet | undefined,
): Promise<ReplicaSet[] | undefined> {
  const oldCount = sumSpec(oldRSs);
  if (oldCount === 0) return undefined;
  const allCount = sumSpec(all);
  const minAvailable = desiredReplicas(d) - maxUnavailable(d);
  const newUnavailable = specReplicas(newRS) - (newRS?.status?.availableReplicas ?? 0);
  let maxScaledDown = allCount - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return undefined;
  let result = [...oldRSs].sort(byCreation);
  let scaled = false;
  // cleanupUnhealthyReplicas
  for (let i = 0; i < result.length && maxScaledDown > 0; i++) {
    const rs = result[i] as ReplicaSet;
    if (specReplicas(rs) === 0) continue;
    const unhealthy = specReplicas(rs) - (rs.status?.availableReplicas ?? 0);
    if (unhealthy <= 0) continue;
    const n = Math.min(maxScaledDown, unhealthy);
    result[i] = await scaleReplicaSet(ctx.client, ctx.recorder, d, rs, specReplicas(rs) - n);
    maxScaledDown -= n;
    scaled = true;
  }
  // scaleDownOldReplicaSetsForRollingUpdate
  const availableNow =
    result.reduce((n, rs) => n + Math.min(rs.status?.availableReplicas ?? 0, specReplicas(rs)), 0) +
    (newRS?.status?.availableReplicas ?? 0);
  let total = Math.min(availableNow - minAvailable, maxScaledDown);
  for (let i = 0; i < result.length && total > 0; i++) {
    const rs = result[i] as ReplicaSet;
    if (specReplicas(rs) === 0) continue;
    const n = Math.min(specReplicas(rs), total);
    result[i] = await scaleReplicaSet(ctx.client, ctx.recorder, d, rs, specReplicas(rs) - n);
    total -= n;
    scaled = true;
  }
  result = result.filter(Boolean);
  return scaled ? result : undefined;
}

/** rolloutRecreate: old ReplicaSets to 0, wait until none of their pods runs, then the new one. */
async function rolloutRecreate(
  ctx: SyncContext,
  d: Deployment,
  owned: readonly ReplicaSet[],
): Promise<SyncResult> {
  let r = await replicaSetsAndRevision(ctx.client, ctx.recorder, d, owned, false, ctx.now);
  let deployment = r.deployment;
  const oldRSs = [...r.oldRSs];
  let scaledDown = false;
  for (let i = 0; i < oldRSs.length; i++) {
    const rs = oldRSs[i] as ReplicaSet;
    if (specReplicas(rs) === 0) continue;
    oldRSs[i] = await scaleReplicaSet(ctx.client, ctx.recorder, deployment, rs, 0);
    scaledDown = true;
  }
  const all = () => [...oldRSs, ...(r.newRS ? [r.newRS] : [])];
  if (scaledDown) return syncRolloutStatus(ctx, deployment, all(), r.newRS);
  // oldPodsRunning: any pod of an old ReplicaSet that has not finished, terminating ones included
  const running = r.oldRSs.some((rs) =>
    ctx.podsOf(rs).some((p) => p.status?.phase !== "Failed" && p.status?.phase !== "Succeeded"),
  );
  if (running) return syncRolloutStatus(ctx, deployment, all(), r.newRS);
  if (r.newRS === undefined) {
    r = await replicaSetsAndRevision(ctx.client, ctx.recorder, d, owned, true, ctx.now);
    deployment = r.deployment;
  }
  let newRS = r.newRS;
  if (newRS !== undefined && specReplicas(newRS) !== desiredReplicas(deployment)) {
    newRS = await scaleReplicaSet(ctx.client, ctx.recorder, deployment, newRS, desiredReplicas(deployment));
  }
  const everything = [...oldRSs, ...(newRS ? [newRS] : [])];
  if (isComplete(deployment, calculateStatus(deployment, everything, newRS, ctx.now))) {
    await cleanupOldReplicaSets(ctx.client, deployment, oldRSs);
  }
  return syncRolloutStatus(ctx, deployment, everything, newRS);
}

/** syncRolloutStatus (progress.go): status with the Progressing condition; requeue before the deadline. */
async function syncRolloutStatus(
  ctx: SyncContext,
  d: Deployment,
  all: readonly ReplicaSet[],
  newRS: ReplicaSet | undefined,
): Promise<SyncResult> {
  const status = calculateStatus(d, all, newRS, ctx.now);
  const deadline = d.spec?.progressDeadlineSeconds;
  if (deadline === undefined) {
    removeCondition(status, PROGRESSING);
  } else {
    const current = getCondition(status, PROGRESSING);
    const done =
      status.replicas === status.updatedReplicas && current?.reason === Reason.NewReplicaSetAvailable;
    const rsName = newRS?.metadata.name ?? "";
    if (!done && d.spec?.paused !== true) {
      if (isComplete(d, status)) {
        setCondition(
          status,
          newCondition(
            PROGRESSING,
            "True",
            Reason.NewReplicaSetAvailable,
            `ReplicaSet "${rsName}" has successfully progressed.`,
            ctx.now,
          ),
        );
      } else if (isProgressing(d, status)) {
        const cond = newCondition(
          PROGRESSING,
          "True",
          Reason.ReplicaSetUpdated,
          `ReplicaSet "${rsName}" is progressing.`,
          ctx.now,
        );
        // a Progressing=True condition keeps its transition time and only moves lastUpdateTime
        status.conditions = [
          ...(status.conditions ?? []).filter((c) => c.type !== PROGRESSING),
          current?.status === "True"
            ? { ...cond, lastTransitionTime: current.lastTransitionTime ?? cond.lastTransitionTime }
            : cond,
        ];
      } else if (isTimedOut(d, status, ctx.now)) {
        setCondition(
          status,
          newCondition(
            PROGRESSING,
            "False",
            Reason.TimedOut,
            `ReplicaSet "${rsName}" has timed out progressing.`,
            ctx.now,
          ),
        );
      }
    }
  }
  const written = await writeStatus(ctx, d, status);
  // requeueStuckDeployment: look again when the deadline would pass
  const cond = getCondition(written.status, PROGRESSING);
  if (
    deadline !== undefined &&
    cond?.status === "True" &&
    cond.reason !== Reason.NewReplicaSetAvailable &&
    !isComplete(written, status)
  ) {
    const due = Date.parse(cond.lastUpdateTime ?? "") + deadline * 1000 - ctx.now;
    return { requeueAfterMs: Math.max(1000, due + 1000) };
  }
  return {};
}

/** Writes the revision annotation (main resource) and the status (status subresource) when changed. */
async function writeStatus(ctx: SyncContext, d: Deployment, status: IDeploymentStatus): Promise<Deployment> {
  const revision = d.metadata.annotations?.[REVISION_ANNOTATION];
  let current = await ctx.client.get<Deployment>(deploymentPath(d));
  if (current.metadata.uid !== d.metadata.uid) return current;
  if (revision !== undefined && current.metadata.annotations?.[REVISION_ANNOTATION] !== revision) {
    current = await ctx.client.patch<Deployment>(
      deploymentPath(d),
      { metadata: { annotations: { [REVISION_ANNOTATION]: revision } } },
      "merge",
    );
  }
  if (sameStatus(current.status, status)) return current;
  return ctx.client.update<Deployment>(deploymentPath(d, "status"), { ...current, status });
}

/** Equal but for condition timestamps: nothing worth a write. */
function sameStatus(a: IDeploymentStatus | undefined, b: IDeploymentStatus): boolean {
  const strip = (s: IDeploymentStatus | undefined) =>
    JSON.parse(
      JSON.stringify({
        ...s,
        conditions: (s?.conditions ?? []).map((c) => ({
          ...c,
          lastUpdateTime: undefined,
          lastTransitionTime: undefined,
        })),
      }),
    ) as unknown;
  return isDeepStrictEqual(strip(a), strip(b));
}
