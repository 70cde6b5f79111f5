/**
 * TaintToleration: Filter rejects a node with a NoSchedule or NoExecute taint the pod does not
 * tolerate; Score counts the PreferNoSchedule taints it does not tolerate, fewer is better.
 */
import type { IToleration } from "kubernetes-models/v1";
import {
  defaultNormalizeScore,
  fail,
  MAX_NODE_SCORE,
  type FilterPlugin,
  type ScorePlugin,
} from "../framework.js";
import { toleratedBy } from "../selectors.js";

const NAME = "TaintToleration";
const PREFERRED_TOLERATIONS = "TaintToleration/preferNoSchedule";

export const taintTolerationFilter: FilterPlugin = {
  name: NAME,
  filter(state, node) {
    const tolerations = state.pod.pod.spec?.tolerations ?? [];
    for (const taint of node.taints) {
      if (taint.effect !== "NoSchedule" && taint.effect !== "NoExecute") continue;
      if (toleratedBy(tolerations, taint)) continue;
      // tainttoleration: "node(s) had untolerated taint {%s: %s}"
      return fail(
        NAME,
        "UnschedulableAndUnresolvable",
        `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ""}}`,
      );
    }
    return undefined;
  },
};

export function taintTolerationScore(weight: number): ScorePlugin {
  return {
    name: NAME,
    weight,
    preScore(state) {
      const tolerations = (state.pod.pod.spec?.tolerations ?? []).filter(
        (t) => !t.effect || t.effect === "PreferNoSchedule",
      );
      state.write(PREFERRED_TOLERATIONS, tolerations);
      return true;
    },
    score(state, node) {
      const tolerations = state.read<IToleration[]>(PREFERRED_TOLERATIONS) ?? [];
      let count = 0;
      for (const taint of node.taints) {
        if (taint.effect === "PreferNoSchedule" && !toleratedBy(tolerations, taint)) count++;
      }
      return count;
    },
    normalize(_state, scores) {
      defaultNormalizeScore(MAX_NODE_SCORE, true, scores);
    },
  };
}
