/**
 * NodeResourcesBalancedAllocation: prefers the node where cpu and memory would be used in the
 * most equal fractions of allocatable once the pod runs (1 - standard deviation of the fractions).
 */
import { MAX_NODE_SCORE, type ScorePlugin } from "../framework.js";
import { CPU, MEMORY } from "../resources.js";

const RESOURCES = [CPU, MEMORY] as const;

export function balancedAllocationScore(weight: number): ScorePlugin {
  return {
    name: "NodeResourcesBalancedAllocation",
    weight,
    score(state, node) {
      const fractions: number[] = [];
      for (const r of RESOURCES) {
        const capacity = node.allocatable[r] ?? 0;
        if (capacity === 0) continue;
        const requested = (node.requested[r] ?? 0) + (state.pod.requests[r] ?? 0);
        fractions.push(Math.min(1, requested / capacity));
      }
      let std = 0;
      if (fractions.length === 2) {
        std = Math.abs((fractions[0] ?? 0) - (fractions[1] ?? 0)) / 2;
      } else if (fractions.length > 2) {
        const mean = fractions.reduce((a, b) => a + b, 0) / fractions.length;
        std = Math.sqrt(fractions.reduce((a, f) => a + (f - mean) ** 2, 0) / fractions.length);
      }
      return Math.trunc((1 - std) * MAX_NODE_SCORE);
    },
  };
}
