/**
 * The default profile (kube-scheduler config v1 defaults), the plugins a small cluster uses, in
 * upstream's order: filters NodeUnschedulable, NodeName, TaintToleration, NodeAffinity, NodePorts,
 * NodeResourcesFit, PodTopologySpread, InterPodAffinity; scores with their default weights.
 */
import type { ClusterView } from "../cluster-view.js";
import type { Profile } from "../framework.js";
import { balancedAllocationScore } from "./balanced-allocation.js";
import { imageLocalityScore } from "./image-locality.js";
import { interPodAffinityFilter, interPodAffinityScore } from "./inter-pod-affinity.js";
import { nodeAffinityFilter, nodeAffinityScore } from "./node-affinity.js";
import { nodeName } from "./node-name.js";
import { nodePorts } from "./node-ports.js";
import { nodeResourcesFitFilter, nodeResourcesFitScore } from "./node-resources-fit.js";
import { nodeUnschedulable } from "./node-unschedulable.js";
import { podTopologySpreadFilter, podTopologySpreadScore } from "./pod-topology-spread.js";
import { taintTolerationFilter, taintTolerationScore } from "./taint-toleration.js";

/** config v1 getDefaultPlugins: the score weights. */
export const DEFAULT_SCORE_WEIGHTS = {
  TaintToleration: 3,
  NodeAffinity: 2,
  PodTopologySpread: 2,
  InterPodAffinity: 2,
  NodeResourcesFit: 1,
  NodeResourcesBalancedAllocation: 1,
  ImageLocality: 1,
} as const;

/** kube-scheduler: DefaultSchedulerName. */
export const DEFAULT_SCHEDULER_NAME = "default-scheduler";

export function defaultProfile(view: ClusterView, schedulerName = DEFAULT_SCHEDULER_NAME): Profile {
  const w = DEFAULT_SCORE_WEIGHTS;
  return {
    schedulerName,
    filters: [
      nodeUnschedulable,
      nodeName,
      taintTolerationFilter,
      nodeAffinityFilter,
      nodePorts,
      nodeResourcesFitFilter,
      podTopologySpreadFilter,
      interPodAffinityFilter(view),
    ],
    scores: [
      taintTolerationScore(w.TaintToleration),
      nodeAffinityScore(w.NodeAffinity),
      podTopologySpreadScore(view, w.PodTopologySpread),
      interPodAffinityScore(view, w.InterPodAffinity),
      nodeResourcesFitScore(w.NodeResourcesFit),
      balancedAllocationScore(w.NodeResourcesBalancedAllocation),
      imageLocalityScore(w.ImageLocality),
    ],
  };
}

export { ERR_REASON_UNSCHEDULABLE, TAINT_NODE_UNSCHEDULABLE } from "./node-unschedulable.js";
