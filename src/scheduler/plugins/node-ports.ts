/** NodePorts: the pod's host ports must be free on the node (same protocol, overlapping address). */
import { fail, type FilterPlugin } from "../framework.js";

// nodeports: ErrReason
export const ERR_REASON_NODE_PORTS = "node(s) didn't have free ports for the requested pod ports";

export const nodePorts: FilterPlugin = {
  name: "NodePorts",
  filter(state, node) {
    for (const port of state.pod.hostPorts) {
      if (node.portConflicts(port)) return fail(this.name, "Unschedulable", ERR_REASON_NODE_PORTS);
    }
    return undefined;
  },
};
