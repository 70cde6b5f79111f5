/**
 * calculateStatus of the ReplicaSet controller: counts of the RS's active pods, fully labeled,
 * ready and available (ready for minReadySeconds), and the ReplicaFailure condition while creating
 * or deleting pods fails.
 */
import type { IReplicaSetCondition, IReplicaSetStatus } from "kubernetes-models/apps/v1";
import { errorMessage } from "../../common/errors.js";
import { isPodAvailable, isPodReady, labelsOf, rfc3339, type Pod, type ReplicaSet } from "../util/index.js";

export const REPLICA_FAILURE = "ReplicaFailure"; // apps.ReplicaSetReplicaFailure
export const FAILED_CREATE = "FailedCreate"; // replicaset: FailedCreatePodReason
export const FAILED_DELETE = "FailedDelete"; // replicaset: FailedDeletePodReason

export interface ManageError {
  readonly creating: boolean;
  readonly error: unknown;
}

export function calculateStatus(
  rs: ReplicaSet,
  pods: readonly Pod[],
  manageError: ManageError | undefined,
  now: number,
): IReplicaSetStatus {
  const templateLabels = rs.spec?.template?.metadata?.labels ?? {};
  const minReady = rs.spec?.minReadySeconds ?? 0;
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const pod of pods) {
    const labels = labelsOf(pod);
    if (Object.entries(templateLabels).every(([k, v]) => labels[k] === v)) fullyLabeled++;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, minReady, now)) available++;
    }
  }
  let conditions: IReplicaSetCondition[] = (rs.status?.conditions ?? []).filter(
    (c) => c.type !== REPLICA_FAILURE,
  );
  const existing = rs.status?.conditions?.find((c) => c.type === REPLICA_FAILURE);
  if (manageError !== undefined) {
    const reason = manageError.creating ? FAILED_CREATE : FAILED_DELETE;
    const message = errorMessage(manageError.error);
    conditions = [
      ...conditions,
      existing !== undefined && existing.reason === reason && existing.message === message
        ? existing
        : { type: REPLICA_FAILURE, status: "True", lastTransitionTime: rfc3339(now), reason, message },
    ];
  }
  return {
    replicas: pods.length,
    fullyLabeledReplicas: fullyLabeled,
    readyReplicas: ready,
    availableReplicas: available,
    observedGeneration: rs.metadata.generation ?? 0,
    ...(conditions.length > 0 ? { conditions } : {}),
  };
}
