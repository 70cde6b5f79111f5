/** NodeUnschedulable: a cordoned node (spec.unschedulable) takes only pods that tolerate it. */
import { fail, type FilterPlugin } from "../framework.js";
import { toleratedBy } from "../selectors.js";

/** The taint a cordoned node stands for (core/v1 TaintNodeUnschedulable). */
export const TAINT_NODE_UNSCHEDULABLE = "node.kubernetes.io/unschedulable";
// nodeunschedulable: ErrReasonUnschedulable
export const ERR_REASON_UNSCHEDULABLE = "node(s) were unschedulable";

export const nodeUnschedulable: FilterPlugin = {
  name: "NodeUnschedulable",
  filter(state, node) {
    if (node.node?.spec?.unschedulable !== true) return undefined;
    const tolerations = state.pod.pod.spec?.tolerations ?? [];
    if (toleratedBy(tolerations, { key: TAINT_NODE_UNSCHEDULABLE, effect: "NoSchedule" })) return undefined;
    return fail(this.name, "UnschedulableAndUnresolvable", ERR_REASON_UNSCHEDULABLE);
  },
};
