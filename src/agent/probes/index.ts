/**
 * Probes (kubelet: pkg/kubelet/prober, pkg/probe): the manager with one worker per (pod,
 * container, probe kind) and its results, and the handler runners (exec, httpGet, tcpSocket,
 * grpc) the lifecycle hooks share.
 */
export {
  ProbeManager,
  type CurrentContainer,
  type ProbeKill,
  type ProbeManagerOptions,
  type ProbeManagerStats,
  type ProbeStatus,
} from "./manager.js";
export {
  LIFECYCLE_USER_AGENT,
  PROBE_DEFAULT_FAILURE_THRESHOLD,
  PROBE_DEFAULT_PERIOD_SECONDS,
  PROBE_DEFAULT_SUCCESS_THRESHOLD,
  PROBE_DEFAULT_TIMEOUT_SECONDS,
  PROBE_MAX_OUTPUT_BYTES,
  PROBE_USER_AGENT,
  REASON_LIVENESS_PROBE,
  REASON_PROBE_WARNING,
  REASON_STARTUP_PROBE,
  REASON_UNHEALTHY,
} from "./constants.js";
export { handlerOf, joinHostPort, resolveContainerPort, type Handler } from "./handler.js";
export { execInContainer, type ExecRuntime } from "./exec-runner.js";
export { httpGet, probeUrl, type HttpGetRequest, type HttpGetResponse } from "./http-runner.js";
export { containerEventRef } from "./prober.js";
export { runtimeId } from "./worker.js";
