/** Kubernetes Events from the agent: the recorder interface, an in-memory one and the API one. */
export type { EventRecorder, EventType, InvolvedObject } from "./recorder.js";
export { MemoryEventRecorder } from "./recorder.js";
export {
  ApiEventRecorder,
  CLUSTER_EVENT_NAMESPACE,
  EVENT_QUEUE_SIZE,
  type ApiEventRecorderOptions,
} from "./api-recorder.js";
export {
  COMBINED_EVENT_PREFIX,
  EVENT_AGGREGATE_INTERVAL_MS,
  EVENT_AGGREGATE_MAX_EVENTS,
  EventAggregator,
} from "./aggregator.js";
export { EVENT_LRU_CACHE_ENTRIES, EVENT_SPAM_BURST, EVENT_SPAM_QPS, SpamFilter } from "./spam-filter.js";
