/**
 * NodeResourcesFit: Filter checks the pod count and every requested resource against what the
 * node has left of its allocatable; Score is the LeastAllocated strategy over cpu and memory
 * (weight 1 each), counting the scoring defaults for missing requests.
 */
import { fail, MAX_NODE_SCORE, type FilterPlugin, type ScorePlugin } from "../framework.js";
import type { NodeInfo } from "../node-info.js";
import type { PodInfo } from "../pod-info.js";
import { CPU, MEMORY, PODS } from "../resources.js";

const NAME = "NodeResourcesFit";
// noderesources: "Too many pods", "Insufficient %v"
export const ERR_REASON_TOO_MANY_PODS = "Too many pods";
export const insufficient = (resource: string): string => `Insufficient ${resource}`;

/** config v1 defaults: NodeResourcesFitArgs.ScoringStrategy resources. */
export const LEAST_ALLOCATED_RESOURCES: readonly { readonly name: string; readonly weight: number }[] = [
  { name: CPU, weight: 1 },
  { name: MEMORY, weight: 1 },
];

/** The reasons the node cannot take the pod; empty when it fits (fitsRequest). */
export function insufficientResources(pod: PodInfo, node: NodeInfo): string[] {
  const reasons: string[] = [];
  const allowedPods = node.allocatable[PODS] ?? 0;
  if (node.pods.size + 1 > allowedPods) reasons.push(ERR_REASON_TOO_MANY_PODS);
  for (const [resource, amount] of Object.entries(pod.requests)) {
    if (resource === PODS || !(amount > 0)) continue;
    const free = (node.allocatable[resource] ?? 0) - (node.requested[resource] ?? 0);
    if (amount > free) reasons.push(insufficient(resource));
  }
  return reasons;
}

export const nodeResourcesFitFilter: FilterPlugin = {
  name: NAME,
  filter(state, node) {
    const reasons = insufficientResources(state.pod, node);
    return reasons.length === 0 ? undefined : fail(NAME, "Unschedulable", ...reasons);
  },
};

/** noderesources: leastRequestedScore. */
function leastRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.trunc(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

export function nodeResourcesFitScore(weight: number): ScorePlugin {
  return {
    name: NAME,
    weight,
    score(state, node) {
      let total = 0;
      let weights = 0;
      for (const r of LEAST_ALLOCATED_RESOURCES) {
        const capacity = node.allocatable[r.name] ?? 0;
        if (capacity === 0) continue;
        const podAmount =
          r.name === CPU
            ? state.pod.nonZeroCpu
            : r.name === MEMORY
              ? state.pod.nonZeroMemory
              : (state.pod.requests[r.name] ?? 0);
        total += leastRequestedScore(node.nonZeroRequested(r.name) + podAmount, capacity) * r.weight;
        weights += r.weight;
      }
      return weights === 0 ? 0 : Math.trunc(total / weights);
    },
  };
}
