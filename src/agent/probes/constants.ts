/**
 * The prober's defaults and limits; each mirrors the kubelet's (the upstream name is in the
 * comment).
 */
import { KUBERNETES_MAJOR, KUBERNETES_MINOR } from "../../common/index.js";

/** core/v1 SetDefaults_Probe: TimeoutSeconds. */
export const PROBE_DEFAULT_TIMEOUT_SECONDS = 1;
/** core/v1 SetDefaults_Probe: PeriodSeconds. */
export const PROBE_DEFAULT_PERIOD_SECONDS = 10;
/** core/v1 SetDefaults_Probe: SuccessThreshold. */
export const PROBE_DEFAULT_SUCCESS_THRESHOLD = 1;
/** core/v1 SetDefaults_Probe: FailureThreshold. */
export const PROBE_DEFAULT_FAILURE_THRESHOLD = 3;
/** A probe that errors (not one that fails) is tried this often before the error counts (kubelet: maxProbeRetries). */
export const PROBE_MAX_RETRIES = 3;

/** Bytes of an HTTP body or of exec output a probe reads (probe/http: maxRespBodyLength; probe/exec: maxReadLength). */
export const PROBE_MAX_OUTPUT_BYTES = 10 * 1024;
/** Redirects an HTTP probe follows to the same host (probe/http: RedirectChecker). */
export const PROBE_MAX_REDIRECTS = 10;

/** The User-Agent of HTTP and gRPC probes (probe/http: userAgent("probe")). */
export const PROBE_USER_AGENT = `kube-probe/${KUBERNETES_MAJOR}.${KUBERNETES_MINOR}`;
/** The User-Agent of lifecycle hooks' HTTP requests (userAgent("lifecycle")). */
export const LIFECYCLE_USER_AGENT = `kube-lifecycle/${KUBERNETES_MAJOR}.${KUBERNETES_MINOR}`;

/** Event reasons (kubelet: events.ContainerUnhealthy, events.ContainerProbeWarning). */
export const REASON_UNHEALTHY = "Unhealthy";
export const REASON_PROBE_WARNING = "ProbeWarning";

/** Why the sync kills a container a probe failed (kubelet: reasonLivenessProbe, reasonStartupProbe). */
export const REASON_LIVENESS_PROBE = "LivenessProbe";
export const REASON_STARTUP_PROBE = "StartupProbe";
