/**
 * The arithmetic of a rollout (deploymentutil): maxSurge and maxUnavailable resolved against the
 * desired count with upstream's rounding, how far the new ReplicaSet may grow, when a rollout is
 * complete.
 */
import { scaledValue } from "../../common/int-or-percent.js";
import type { Deployment, ReplicaSet } from "../util/index.js";

export function desiredReplicas(d: Deployment): number {
  return d.spec?.replicas ?? 1;
}

export function isRollingUpdate(d: Deployment): boolean {
  return (d.spec?.strategy?.type ?? "RollingUpdate") === "RollingUpdate";
}

/**
 * ResolveFenceposts: surge rounds up, unavailability rounds down; both 0 would stall a rollout, so
 * unavailability becomes 1.
 */
export function resolveFenceposts(
  maxSurge: number | string | undefined,
  maxUnavailable: number | string | undefined,
  desired: number,
): { surge: number; unavailable: number } {
  const surge = scaledValue(maxSurge ?? 0, desired, true);
  let unavailable = scaledValue(maxUnavailable ?? 0, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

/** deploymentutil.MaxSurge: 0 for Recreate. */
export function maxSurge(d: Deployment): number {
  if (!isRollingUpdate(d)) return 0;
  const r = d.spec?.strategy?.rollingUpdate;
  return resolveFenceposts(r?.maxSurge, r?.maxUnavailable, desiredReplicas(d)).surge;
}

/** deploymentutil.MaxUnavailable: 0 for Recreate or no replicas; never above the desired count. */
export function maxUnavailable(d: Deployment): number {
  const desired = desiredReplicas(d);
  if (!isRollingUpdate(d) || desired === 0) return 0;
  const r = d.spec?.strategy?.rollingUpdate;
  return Math.min(resolveFenceposts(r?.maxSurge, r?.maxUnavailable, desired).unavailable, desired);
}

export function specReplicas(rs: ReplicaSet | undefined): number {
  return rs?.spec?.replicas ?? 0;
}

/** GetReplicaCountForReplicaSets */
export function sumSpec(rss: readonly ReplicaSet[]): number {
  return rss.reduce((n, rs) => n + specReplicas(rs), 0);
}

export function sumStatus(
  rss: readonly ReplicaSet[],
  field: "replicas" | "readyReplicas" | "availableReplicas",
): number {
  return rss.reduce((n, rs) => n + (rs.status?.[field] ?? 0), 0);
}

/** NewRSNewReplicas: the size the new ReplicaSet may have now. */
export function newRSNewReplicas(
  d: Deployment,
  all: readonly ReplicaSet[],
  newRS: ReplicaSet | undefined,
): number {
  const desired = desiredReplicas(d);
  if (!isRollingUpdate(d)) return desired;
  const current = sumSpec(all);
  const maxTotal = desired + maxSurge(d);
  const newSize = specReplicas(newRS);
  if (current >= maxTotal) return newSize;
  const up = Math.min(maxTotal - current, desired - newSize);
  return newSize + Math.max(0, up);
}
