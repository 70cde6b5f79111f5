/**
 * Pod spec to runtime configs (kubelet: kuberuntime generatePodSandboxConfig and
 * generateContainerConfig, makeEnvironmentVariables) and reading a container's termination
 * message back. Pure builders except env-objects.ts (API reads) and termination-message.ts (host file, logs).
 */
export { buildContainerConfig, containerLogPath, type ContainerConfigOptions } from "./config.js";
export {
  buildSandboxConfig,
  podDnsConfig,
  podHostname,
  podHostnameAndDomain,
  podLogDirectory,
  podNamespaceOptions,
  podPortMappings,
  type ClusterDns,
  type HostDns,
  type SandboxConfigOptions,
} from "./sandbox.js";
export { containerHash } from "./hash.js";
export { expandVariables } from "./expansion.js";
export { CREATE_CONTAINER_CONFIG_ERROR, type EnvObjects } from "./env.js";
export { ETC_HOSTS_PATH, type MountContext } from "./mounts.js";
export { fetchEnvObjects } from "./env-objects.js";
export { DEFAULT_TERMINATION_MESSAGE_PATH, terminationMessage } from "./termination-message.js";
export { verifyRunAsNonRoot } from "./run-as-non-root.js";
