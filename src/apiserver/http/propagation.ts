/**
 * Deletion propagation policies (metav1.DeletionPropagation) and the finalizers kube-apiserver
 * adds for them: the garbage collector (berth controller-manager) then releases dependents
 * (orphan) or deletes them before the owner (foregroundDeletion). Background adds nothing: the
 * owner goes at once and the collector deletes dependents whose owners are gone.
 */
export type PropagationPolicy = "Orphan" | "Background" | "Foreground";
export const PROPAGATION_POLICIES: readonly PropagationPolicy[] = ["Orphan", "Background", "Foreground"];

export const FINALIZER_ORPHAN = "orphan"; // metav1.FinalizerOrphanDependents
export const FINALIZER_FOREGROUND = "foregroundDeletion"; // metav1.FinalizerDeleteDependents

export function finalizersFor(policy: PropagationPolicy): string[] {
  switch (policy) {
    case "Orphan":
      return [FINALIZER_ORPHAN];
    case "Foreground":
      return [FINALIZER_FOREGROUND];
    case "Background":
      return [];
  }
}
