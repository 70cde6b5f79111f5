/**
 * NodeAffinity: Filter requires spec.nodeSelector and the required node affinity terms to match
 * the node's labels; Score adds the weights of the preferred terms that match.
 */
import type { INode, IPod } from "kubernetes-models/v1";
import {
  defaultNormalizeScore,
  fail,
  MAX_NODE_SCORE,
  type FilterPlugin,
  type ScorePlugin,
} from "../framework.js";
import { matchesNodeSelectorTerm, matchesNodeSelectorTerms } from "../selectors.js";

const NAME = "NodeAffinity";
// nodeaffinity: ErrReasonPod
export const ERR_REASON_NODE_AFFINITY = "node(s) didn't match Pod's node affinity/selector";

/** Whether the node satisfies the pod's nodeSelector and required node affinity (RequiredNodeAffinity.Match). */
export function podMatchesNodeAffinity(pod: IPod, node: INode): boolean {
  const labels = node.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(pod.spec?.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const required = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (required === undefined) return true;
  return matchesNodeSelectorTerms(required.nodeSelectorTerms, node);
}

export const nodeAffinityFilter: FilterPlugin = {
  name: NAME,
  filter(state, node) {
    if (node.node === undefined || podMatchesNodeAffinity(state.pod.pod, node.node)) return undefined;
    return fail(NAME, "UnschedulableAndUnresolvable", ERR_REASON_NODE_AFFINITY);
  },
};

export function nodeAffinityScore(weight: number): ScorePlugin {
  return {
    name: NAME,
    weight,
    preScore(state) {
      return (
        (state.pod.pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [])
          .length > 0
      );
    },
    score(state, node) {
      let total = 0;
      const preferred =
        state.pod.pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
      for (const term of preferred) {
        if (
          term.weight !== 0 &&
          node.node !== undefined &&
          matchesNodeSelectorTerm(term.preference, node.node)
        ) {
          total += term.weight;
        }
      }
      return total;
    },
    normalize(_state, scores) {
      defaultNormalizeScore(MAX_NODE_SCORE, false, scores);
    },
  };
}
