/**
 * The agent's pod machinery: PodManager and the narrow surfaces it is composed from. Sub-rooms:
 * workers/ (queues, pod source, runtime cache), sync/ (one pod's sync, termination, GC), container/
 * (pod to runtime config), status/ (runtime to pod status), images/ (pulls and pull secrets).
 */
export {
  DEFAULT_POD_MANAGER_CONFIG,
  PodManager,
  type AdmitFunction,
  type AdmitResult,
  type PodCgroupManager,
  type PodManagerConfig,
  type PodManagerOptions,
} from "./pod-manager.js";
export type { PodConversions, PodFailure, StatusInputs, WaitingReason } from "./sync/index.js";
export type { RuntimeSnapshot } from "./workers/index.js";
export {
  createPodConversions,
  type DefaultConversionsOptions,
  type NodeFacts,
} from "./default-conversions.js";
export * from "./constants.js";
