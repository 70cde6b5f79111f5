/**
 * The agent's HTTPS server room (kubelet: pkg/kubelet/server): the server with its authn/authz,
 * serving certificate, container logs, exec/attach/port-forward streams, stats and metrics.
 */
export {
  AgentServer,
  RUN_TIMEOUT_SECONDS,
  type AgentServerOptions,
  type ServerRuntime,
} from "./agent-server.js";
export { ProbeResults, type ProbeResultLabels, type ProbeResultRecorder } from "./probe-results.js";
export { StatsProvider, type ServerStats } from "./stats.js";
export type { PodSource } from "./pod-lookup.js";
export { SIGNER_KUBELET_SERVING, CURRENT_PEM } from "./serving-certificate.js";
