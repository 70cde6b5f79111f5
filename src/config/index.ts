/**
 * The agent's configuration: KubeletConfiguration-named settings from a YAML file, flags over
 * them, every default an exported constant, resolved once into a frozen AgentConfig.
 */
export type {
  AgentConfig,
  AgentIdentity,
  CgroupDriver,
  KubeletSettings,
  RuntimeKind,
} from "./agent-config.js";
export * from "./defaults.js";
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
