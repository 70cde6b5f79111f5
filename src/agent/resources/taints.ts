/**
 * Taints and tolerations as the kubelet's admission sees them: only NoExecute taints keep a pod off
 * the node (k8s.io/component-helpers/scheduling/corev1 FindMatchingUntoleratedTaint with the
 * kubelet's filter, and Toleration.ToleratesTaint).
 */
import type { ITaint, IToleration } from "kubernetes-models/v1";

export function toleratesTaint(toleration: IToleration, taint: ITaint): boolean {
  // The generated types leave out "", which the API accepts for "any effect" and "Equal".
  const effect = (toleration.effect as string | undefined) ?? "";
  if (effect !== "" && effect !== taint.effect) {
    return false;
  }
  const key = toleration.key ?? "";
  if (key !== "" && key !== taint.key) return false;
  switch ((toleration.operator as string | undefined) ?? "Equal") {
    case "Exists":
      return true;
    case "Equal":
    case "":
      return (toleration.value ?? "") === (taint.value ?? "");
    default:
      return false;
  }
}

/** The first NoExecute taint no toleration of the pod tolerates, or undefined. */
export function untoleratedNoExecuteTaint(
  taints: readonly ITaint[],
  tolerations: readonly IToleration[],
): ITaint | undefined {
  return taints.find((t) => t.effect === "NoExecute" && !tolerations.some((tol) => toleratesTaint(tol, t)));
}
