/**
 * Container lifecycle hooks (kubelet: pkg/kubelet/lifecycle handlers and kuberuntime's hook
 * calls): postStart after a container starts, preStop before it is stopped. The handler runners
 * (exec, httpGet) are the probes room's.
 */
export { HookRunner, type HookRunnerOptions, type HookTarget } from "./hooks.js";
export {
  MINIMUM_GRACE_AFTER_PRE_STOP_SECONDS,
  POST_START_HTTP_TIMEOUT_MS,
  REASON_FAILED_POST_START_HOOK,
  REASON_FAILED_PRE_STOP_HOOK,
  REASON_POST_START_HOOK_ERROR,
} from "./constants.js";
