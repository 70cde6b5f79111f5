/**
 * The agent's configuration: KubeletConfiguration-named settings from a YAML file, flags over
 * them, every default an exported constant, resolved once into a frozen AgentConfig.
 */
export type {
  AgentConfig,
  AgentIdentity,
  CgroupDriver,
  PodRoutes,
  KubeletSettings,
  RuntimeKind,
} from "./agent-config.js";
export * from "./defaults.js";
export { kubeletConfigz } from "./configz.js";
export { formatGoDuration, parseGoDuration } from "./duration.js";
export { loadAgentConfig, type LoadAgentConfigInput } from "./load.js";
export {
  DEFAULT_KUBELET_SETTINGS,
  RUNTIMES,
  resolveAgentConfig,
  type AgentFlags,
  type ResolveAgentConfigInput,
} from "./resolve.js";
export { EVICTION_SIGNALS, RESERVABLE_RESOURCES } from "./values.js";
export {
  resolveSchedulerConfig,
  SCHEDULER_LEADER_ELECT,
  SCHEDULER_LEASE_DURATION_MS,
  SCHEDULER_LEASE_NAME,
  SCHEDULER_LEASE_NAMESPACE,
  SCHEDULER_RENEW_DEADLINE_MS,
  SCHEDULER_RETRY_PERIOD_MS,
  type SchedulerConfig,
  type SchedulerFlags,
} from "./scheduler-config.js";
