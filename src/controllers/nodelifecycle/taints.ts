/** The taints the node lifecycle controller manages, and whether a pod tolerates a taint. */
import type { IToleration, ITaint } from "kubernetes-models/v1";

export const TAINT_UNREACHABLE = "node.kubernetes.io/unreachable"; // v1.TaintNodeUnreachable
export const TAINT_NOT_READY = "node.kubernetes.io/not-ready"; // v1.TaintNodeNotReady
const MANAGED = new Set([TAINT_UNREACHABLE, TAINT_NOT_READY]);

/** UnreachableTaintTemplate / NotReadyTaintTemplate and their NoSchedule twins, for a Ready status. */
export function wantedTaints(ready: string | undefined, now: string): ITaint[] {
  const key = ready === "Unknown" ? TAINT_UNREACHABLE : ready === "False" ? TAINT_NOT_READY : undefined;
  if (key === undefined) return [];
  return [
    { key, effect: "NoSchedule" },
    { key, effect: "NoExecute", timeAdded: now },
  ];
}

/** The node's taints with the managed ones replaced by `wanted` (kept as they are when unchanged). */
export function mergeTaints(current: readonly ITaint[], wanted: readonly ITaint[]): ITaint[] | undefined {
  const managed = current.filter((t) => MANAGED.has(t.key));
  const same =
    managed.length === wanted.length &&
    wanted.every((w) => managed.some((m) => m.key === w.key && m.effect === w.effect));
  if (same) return undefined;
  return [...current.filter((t) => !MANAGED.has(t.key)), ...wanted];
}

/** v1.Toleration.ToleratesTaint */
export function tolerates(t: IToleration, taint: ITaint): boolean {
  const effect: string | undefined = t.effect;
  if (effect !== undefined && effect !== "" && effect !== taint.effect) return false;
  if (t.key !== undefined && t.key !== "" && t.key !== taint.key) return false;
  if ((t.operator ?? "Equal") === "Exists") return true;
  return (t.value ?? "") === (taint.value ?? "");
}

/**
 * How long a pod may stay on a node with these NoExecute taints (taint eviction's
 * getMinTolerationTime): 0 when a taint is not tolerated, Infinity when every toleration is forever.
 */
export function toleratedSeconds(tolerations: readonly IToleration[], taints: readonly ITaint[]): number {
  let min = Number.POSITIVE_INFINITY;
  for (const taint of taints) {
    const matching = tolerations.filter((t) => tolerates(t, taint));
    if (matching.length === 0) return 0;
    for (const t of matching) {
      if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null) {
        min = Math.min(min, Math.max(0, t.tolerationSeconds));
      }
    }
  }
  return min;
}
