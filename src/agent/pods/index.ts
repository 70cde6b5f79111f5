/**
 * The agent's pod machinery: PodManager and the narrow surfaces it is composed from. Sub-rooms:
 * workers/ (queues, pod source, runtime cache), sync/ (one pod's sync, termination, GC), container/
 * (pod to runtime config), status/ (runtime to pod status), images/ (pulls and pull secrets),
 * static/ (static pod sources and mirror pods).
 */
export {
  DEFAULT_POD_MANAGER_CONFIG,
  PodManager,
  type AdmitFunction,
  type AdmitResult,
  type PodCgroupManager,
  type PodManagerConfig,
  type PodManagerOptions,
  type StaticPodConfig,
} from "./pod-manager.js";
export type { PodConversions, PodFailure, PodKill, StatusInputs, WaitingReason } from "./sync/index.js";
export { isTerminalPhase, podLogsDirectory } from "./sync/index.js";
export { CONDITION_DISRUPTION_TARGET, REASON_TERMINATION_BY_KUBELET } from "./status/index.js";
export type { RuntimeSnapshot } from "./workers/index.js";
export {
  createPodConversions,
  type DefaultConversionsOptions,
  type NodeFacts,
} from "./default-conversions.js";
export * from "./constants.js";
