/**
 * Periods, backoffs and limits of the pod machinery; each mirrors the kubelet's default (the
 * upstream name is in the comment) unless the comment says otherwise.
 */

/** How often the runtime is relisted (kubelet: genericPlegRelistPeriod). */
export const RELIST_PERIOD_MS = 1_000;
/** Without a successful relist for this long the pod machinery is unhealthy (kubelet: genericPlegRelistThreshold). */
export const RELIST_THRESHOLD_MS = 180_000;
/** Dead containers and sandboxes are collected this often (kubelet: ContainerGCPeriod). */
export const CONTAINER_GC_PERIOD_MS = 60_000;
/** Orphaned pods (in the runtime, gone from the API) are cleaned this often (kubelet: housekeepingPeriod). */
export const HOUSEKEEPING_PERIOD_MS = 2_000;
/** A worker whose sync failed retries after this long (kubelet: workerBackOffPeriod). */
export const WORKER_BACKOFF_PERIOD_MS = 10_000;

/** CrashLoopBackOff starts here (kubelet: initialBackOffPeriod)... */
export const CRASH_BACKOFF_INITIAL_MS = 10_000;
/** ...doubles up to this (kubelet: MaxContainerBackOff)... */
export const CRASH_BACKOFF_MAX_MS = 300_000;
/** Image pulls back off from 10 s (kubelet: backOffPeriod in pkg/kubelet/images)... */
export const IMAGE_BACKOFF_INITIAL_MS = 10_000;
/** ...up to 300 s (kubelet: MaxContainerBackOff). */
export const IMAGE_BACKOFF_MAX_MS = 300_000;

/** Grace when neither the deletion nor the spec gives one (core/v1: DefaultTerminationGracePeriodSeconds). */
export const DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30;
/** Orphans are stopped with at least this grace (kubelet: minimumGracePeriodInSeconds). */
export const MINIMUM_GRACE_PERIOD_SECONDS = 2;

/** Dead containers kept per (pod, container name) (kubelet: MaxPerPodContainer default 1). */
export const GC_MAX_PER_POD_CONTAINER = 1;
/** A dead container is collectable this long after it was created (kubelet: MinAge default 0). */
export const GC_MIN_AGE_MS = 0;

/** Bytes read from a termination message file (kubelet: MaxContainerTerminationMessageLength). */
export const TERMINATION_MESSAGE_MAX_BYTES = 4 * 1024;
/** Log lines read for FallbackToLogsOnError (kubelet: MaxContainerTerminationMessageLogLines). */
export const TERMINATION_MESSAGE_LOG_LINES = 80;
/** Bytes kept from those lines (kubelet: MaxContainerTerminationMessageLogLength). */
export const TERMINATION_MESSAGE_LOG_BYTES = 2 * 1024;

/** The field manager of the agent's writes. */
export const FIELD_MANAGER = "berth-agent";

/**
 * Label on every sandbox and container the agent creates, naming its node. berth-specific (the
 * kubelet assumes it owns its runtime alone): several agents sharing one runtime (test clusters,
 * hollow nodes) each see and clean up only their own objects.
 */
export const LABEL_NODE_NAME = "berth.io/node-name";
