/**
 * The eviction manager room (kubelet: pkg/kubelet/eviction): thresholds and signals, node and
 * pod stats, ranking, the kubelet's messages, admission under pressure, and the manager loop.
 */
export {
  EvictionManager,
  IMMEDIATE_EVICTION_GRACE_PERIOD_SECONDS,
  POD_CLEANUP_POLL_MS,
  POD_CLEANUP_TIMEOUT_MS,
  type EvictionManagerConfig,
  type EvictionManagerOptions,
  type KillPodFunc,
  type PodEviction,
} from "./manager.js";
export { diskReclaimer, type DiskReclaimer, type UnusedImageCollector } from "./disk-reclaimer.js";
export { NodeStatsReader, hostStatsFs, type NodeStatsFs, type NodeStatsReaderOptions } from "./node-stats.js";
export { RuntimePodStats, diskUsage, type PodStatsSource, type RuntimePodStatsOptions } from "./pod-stats.js";
export {
  parseThresholdConfig,
  type NodeConditionType,
  type Threshold,
  type ThresholdConfig,
} from "./thresholds.js";
export { admitUnderPressure, type PressureAdmission } from "./admission.js";
export { REASON_EVICTED } from "./messages.js";
