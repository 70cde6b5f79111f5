/**
 * berth's scheduler: binds pending pods to nodes with kube-scheduler's default profile (filters
 * and scores in plugins/, one file each), a scheduling queue, a cache with assumed pods and
 * leader election through a Lease.
 */
export {
  Scheduler,
  REASON_SCHEDULER_ERROR,
  REASON_UNSCHEDULABLE,
  SCHEDULER_MAX_BINDINGS_IN_FLIGHT,
  type SchedulerEnd,
  type SchedulerOptions,
} from "./scheduler.js";
export { DEFAULT_SCHEDULER_NAME, DEFAULT_SCORE_WEIGHTS, defaultProfile } from "./plugins/index.js";
export {
  BACKOFF_FLUSH_PERIOD_MS,
  POD_INITIAL_BACKOFF_MS,
  POD_MAX_BACKOFF_MS,
  POD_MAX_IN_UNSCHEDULABLE_MS,
  SchedulingQueue,
} from "./queue.js";
export { SchedulerCache } from "./cache.js";
export { fitErrorMessage, schedulePod, ERR_NO_NODES_AVAILABLE, type ScheduleResult } from "./schedule-one.js";
export { podInfo, type PodInfo } from "./pod-info.js";
export { NodeInfo } from "./node-info.js";
