/**
 * The kubelet's metrics the agent records as it works (kubelet: pkg/kubelet/metrics): small
 * in-house counters and histograms, rendered in the Prometheus text format when scraped.
 */
export {
  Counter,
  DEFAULT_BUCKETS,
  Histogram,
  escapeLabelValue,
  exponentialBuckets,
  formatLabels,
  formatNumber,
  header,
} from "../../common/metrics/index.js";
export {
  KubeletMetrics,
  POD_STARTUP_DURATION_BUCKETS,
  RUNTIME_OPERATION_BUCKETS,
  type ImagePullMetrics,
  type PodSourceMetrics,
  type PodSyncMetrics,
  type PodWorkerMetrics,
  type PodWorkerOperation,
  type StartedContainerType,
} from "./kubelet-metrics.js";
export { instrumentRuntime } from "./instrumented-runtime.js";
