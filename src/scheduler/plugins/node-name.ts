/** NodeName: a pod that names its node fits only there. */
import { fail, type FilterPlugin } from "../framework.js";

// nodename: ErrReason
export const ERR_REASON_NODE_NAME = "node(s) didn't match the requested node name";

export const nodeName: FilterPlugin = {
  name: "NodeName",
  filter(state, node) {
    const wanted = state.pod.pod.spec?.nodeName;
    if (!wanted || wanted === node.name) return undefined;
    return fail(this.name, "UnschedulableAndUnresolvable", ERR_REASON_NODE_NAME);
  },
};
