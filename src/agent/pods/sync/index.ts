/**
 * One pod's level-triggered sync (kubelet: kuberuntime SyncPod, computePodActions, killPod,
 * container GC): the plan, the steps, termination and garbage collection, driven through the
 * PodConversions seam.
 */
export {
  PodSync,
  REASON_CRASH_LOOP_BACK_OFF,
  REASON_CREATE_CONTAINER_CONFIG_ERROR,
  REASON_CREATE_CONTAINER_ERROR,
  REASON_RUN_CONTAINER_ERROR,
  containerRef,
  currentContainers,
  gracePeriodSeconds,
  isTerminalPhase,
  podRef,
  type PodCgroupEnsurer,
  type PodHooks,
  type PodKill,
  type PodProbes,
  type PodSyncDeps,
  type PodSyncResult,
} from "./pod-sync.js";
export {
  Terminator,
  podLogsDirectory,
  type PodCgroupRemover,
  type TerminatorOptions,
} from "./termination.js";
export { collectGarbage, DEFAULT_GC_POLICY, type GcPolicy, type GcResult } from "./garbage-collector.js";
export { containerName } from "./container-plan.js";
export type {
  ContainerInputs,
  PodConversions,
  PodFailure,
  SandboxInputs,
  StatusInputs,
  WaitingReason,
} from "./conversions.js";
