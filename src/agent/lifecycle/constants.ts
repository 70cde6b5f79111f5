/** Lifecycle hook names and limits (kubelet: events.FailedPostStartHook and friends). */

/** Warning event when postStart fails (kubelet: events.FailedPostStartHook). */
export const REASON_FAILED_POST_START_HOOK = "FailedPostStartHook";
/** Warning event when preStop fails (kubelet: events.FailedPreStopHook). */
export const REASON_FAILED_PRE_STOP_HOOK = "FailedPreStopHook";
/** The waiting reason of a container whose postStart failed (kubelet: ErrPostStartHook). */
export const REASON_POST_START_HOOK_ERROR = "PostStartHookError";
/** The grace SIGTERM gets at least after a preStop hook (kubelet: minimumGracePeriodInSeconds). */
export const MINIMUM_GRACE_AFTER_PRE_STOP_SECONDS = 2;
/**
 * Longest an HTTP postStart request may take. berth-specific: the kubelet's hook client has no
 * timeout and a hanging server holds the pod's sync forever; this bound is the kubelet's default
 * runtimeRequestTimeout.
 */
export const POST_START_HTTP_TIMEOUT_MS = 120_000;
