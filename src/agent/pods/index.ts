/** The agent's pod machinery: PodManager and the narrow surfaces it is composed from. */
export {
  DEFAULT_POD_MANAGER_CONFIG,
  PodManager,
  type AdmitFunction,
  type AdmitResult,
  type PodCgroupManager,
  type PodManagerConfig,
  type PodManagerOptions,
} from "./pod-manager.js";
export type { PodConversions, PodFailure, StatusInputs, WaitingReason } from "./conversions.js";
export type { RuntimeSnapshot } from "./runtime-cache.js";
export {
  createPodConversions,
  type DefaultConversionsOptions,
  type NodeFacts,
} from "./default-conversions.js";
export * from "./constants.js";
