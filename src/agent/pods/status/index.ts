/**
 * Runtime view to pod status (kubelet: generateAPIPodStatus and the status manager): pure
 * computation, comparison, and the writer that patches pods/status.
 */
export {
  MESSAGE_DEADLINE_EXCEEDED,
  REASON_DEADLINE_EXCEEDED,
  computePodStatus,
  sortPodIPs,
  type PodFailure,
  type PodStatusExtras,
  type RuntimePodView,
} from "./pod-status.js";
export { statusEqual } from "./equal.js";
export { isTerminalPhase, podPhase, type PodPhase } from "./phase.js";
export {
  AGENT_CONDITIONS,
  CONDITION_CONTAINERS_READY,
  CONDITION_DISRUPTION_TARGET,
  CONDITION_INITIALIZED,
  CONDITION_READY,
  CONDITION_READY_TO_START_CONTAINERS,
  CONDITION_SCHEDULED,
  REASON_TERMINATION_BY_KUBELET,
} from "./conditions.js";
export {
  STATUS_UNKNOWN_EXIT_CODE,
  TERMINATED_STATUS_UNKNOWN,
  WAITING_CONTAINER_CREATING,
  WAITING_POD_INITIALIZING,
  runtimeRestartCount,
  type WaitingReason,
} from "./containers.js";
export { PodOomKills, type OomCounter } from "./oom-kills.js";
export { PodStatusWriter, withForeignConditions, type StatusClient } from "./writer.js";
export { apiTime } from "./time.js";
