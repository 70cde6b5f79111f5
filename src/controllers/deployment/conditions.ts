/**
 * Deployment conditions and status (deploymentutil, sync.go calculateStatus, progress.go): the
 * Available and Progressing conditions with upstream's reasons and messages.
 */
import type { IDeploymentCondition, IDeploymentStatus } from "kubernetes-models/apps/v1";
import { rfc3339, timeOf, type Deployment, type ReplicaSet } from "../util/index.js";
import { desiredReplicas, maxUnavailable, sumSpec, sumStatus } from "./replicas.js";

export const AVAILABLE = "Available";
export const PROGRESSING = "Progressing";
export const REPLICA_FAILURE = "ReplicaFailure";

export const Reason = {
  MinimumReplicasAvailable: "MinimumReplicasAvailable",
  MinimumReplicasUnavailable: "MinimumReplicasUnavailable",
  NewReplicaSet: "NewReplicaSetCreated",
  FoundNewReplicaSet: "FoundNewReplicaSet",
  NewReplicaSetAvailable: "NewReplicaSetAvailable",
  ReplicaSetUpdated: "ReplicaSetUpdated",
  TimedOut: "ProgressDeadlineExceeded",
  Paused: "DeploymentPaused",
  Resumed: "DeploymentResumed",
} as const;

export function getCondition(
  status: IDeploymentStatus | undefined,
  type: string,
): IDeploymentCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

export function newCondition(
  type: string,
  status: "True" | "False" | "Unknown",
  reason: string,
  message: string,
  now: number,
): IDeploymentCondition {
  const t = rfc3339(now);
  return { type, status, reason, message, lastUpdateTime: t, lastTransitionTime: t };
}

/** SetDeploymentCondition: keeps lastTransitionTime when the status does not change. */
export function setCondition(status: IDeploymentStatus, cond: IDeploymentCondition): void {
  const current = getCondition(status, cond.type);
  if (current !== undefined && current.status === cond.status && current.reason === cond.reason) return;
  const next =
    current !== undefined && current.status === cond.status
      ? { ...cond, lastTransitionTime: current.lastTransitionTime ?? cond.lastTransitionTime }
      : cond;
  status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== cond.type), next];
}

export function removeCondition(status: IDeploymentStatus, type: string): void {
  const rest = (status.conditions ?? []).filter((c) => c.type !== type);
  if (rest.length > 0) status.conditions = rest;
  else delete status.conditions;
}

/** calculateStatus (sync.go) */
export function calculateStatus(
  d: Deployment,
  all: readonly ReplicaSet[],
  newRS: ReplicaSet | undefined,
  now: number,
): IDeploymentStatus {
  const available = sumStatus(all, "availableReplicas");
  const total = sumStatus(all, "replicas");
  const desired = desiredReplicas(d);
  const status: IDeploymentStatus = {
    observedGeneration: d.metadata.generation ?? 0,
    replicas: total,
    updatedReplicas: newRS?.status?.replicas ?? 0,
    readyReplicas: sumStatus(all, "readyReplicas"),
    availableReplicas: available,
    // GetReplicaCountForReplicaSets: the ReplicaSets' desired sizes, not their current ones
    unavailableReplicas: Math.max(0, sumSpec(all) - available),
    ...(d.status?.conditions ? { conditions: structuredClone(d.status.conditions) } : {}),
    ...(d.status?.collisionCount !== undefined ? { collisionCount: d.status.collisionCount } : {}),
  };
  if (available >= desired - maxUnavailable(d)) {
    setCondition(
      status,
      newCondition(
        AVAILABLE,
        "True",
        Reason.MinimumReplicasAvailable,
        "Deployment has minimum availability.",
        now,
      ),
    );
  } else {
    setCondition(
      status,
      newCondition(
        AVAILABLE,
        "False",
        Reason.MinimumReplicasUnavailable,
        "Deployment does not have minimum availability.",
        now,
      ),
    );
  }
  return status;
}

/** DeploymentComplete: every desired replica updated and available, and nothing older left. */
export function isComplete(d: Deployment, status: IDeploymentStatus): boolean {
  const desired = desiredReplicas(d);
  return (
    (status.updatedReplicas ?? 0) === desired &&
    (status.replicas ?? 0) === desired &&
    (status.availableReplicas ?? 0) === desired &&
    (status.observedGeneration ?? 0) >= (d.metadata.generation ?? 0)
  );
}

/** DeploymentProgressing: any count moved in the right direction since the last status. */
export function isProgressing(d: Deployment, next: IDeploymentStatus): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (next.replicas ?? 0) - (next.updatedReplicas ?? 0);
  return (
    (next.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) ||
    oldOld > newOld ||
    (next.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
    (next.availableReplicas ?? 0) > (old.availableReplicas ?? 0)
  );
}

/** DeploymentTimedOut: no progress for progressDeadlineSeconds since the last update of Progressing. */
export function isTimedOut(d: Deployment, status: IDeploymentStatus, now: number): boolean {
  const deadline = d.spec?.progressDeadlineSeconds;
  if (deadline === undefined) return false;
  const cond = getCondition(status, PROGRESSING);
  if (cond === undefined) return false;
  if (cond.reason === Reason.NewReplicaSetAvailable) return false;
  if (cond.reason === Reason.TimedOut) return true;
  return timeOf(cond.lastUpdateTime) + deadline * 1000 < now;
}
