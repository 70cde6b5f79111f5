/**
 * Prometheus metrics rendered in-house, in the text format Kubernetes components expose: counters
 * and histograms recorded as the agent or the API server works, and the process collector.
 */
export { Counter, DEFAULT_BUCKETS, Histogram, exponentialBuckets } from "./histogram.js";
export {
  PROMETHEUS_CONTENT_TYPE,
  escapeLabelValue,
  formatLabels,
  formatNumber,
  header,
  type MetricType,
  type Stability,
} from "./exposition.js";
export { processMetrics } from "./process.js";
