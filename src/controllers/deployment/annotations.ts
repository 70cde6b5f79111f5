/** The annotations the Deployment controller keeps on Deployments and their ReplicaSets (deploymentutil). */
export const REVISION_ANNOTATION = "deployment.kubernetes.io/revision";
export const REVISION_HISTORY_ANNOTATION = "deployment.kubernetes.io/revision-history";
export const DESIRED_REPLICAS_ANNOTATION = "deployment.kubernetes.io/desired-replicas";
export const MAX_REPLICAS_ANNOTATION = "deployment.kubernetes.io/max-replicas";
export const ROLLBACK_TO_ANNOTATION = "deprecated.deployment.rollback.to";
export const LAST_APPLIED_ANNOTATION = "kubectl.kubernetes.io/last-applied-configuration";
/** apps.DefaultDeploymentUniqueLabelKey */
export const POD_TEMPLATE_HASH_LABEL = "pod-template-hash";

/** Annotations of a Deployment that are not copied to its ReplicaSets (skipCopyAnnotation). */
const NOT_COPIED = new Set([
  LAST_APPLIED_ANNOTATION,
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  ROLLBACK_TO_ANNOTATION,
]);

export function copiedAnnotations(
  annotations: Readonly<Record<string, string>> | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(annotations ?? {})) if (!NOT_COPIED.has(k)) out[k] = v;
  return out;
}

/** deploymentutil.Revision: the revision annotation as a number, 0 when absent or bad. */
export function revisionOf(obj: { metadata?: { annotations?: Record<string, string> } }): number {
  const v = Number(obj.metadata?.annotations?.[REVISION_ANNOTATION] ?? "0");
  return Number.isInteger(v) && v >= 0 ? v : 0;
}
