/** The node lifecycle controller: Unknown nodes, their taints, and taint-based eviction. */
export {
  NodeLifecycleController,
  NODE_MONITOR_GRACE_PERIOD_MS,
  NODE_MONITOR_PERIOD_MS,
  type NodeLifecycleOptions,
} from "./controller.js";
export { TAINT_NOT_READY, TAINT_UNREACHABLE, toleratedSeconds } from "./taints.js";
