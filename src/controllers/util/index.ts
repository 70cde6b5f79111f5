/** What the controllers share (pkg/controller/controller_utils.go and friends). */
export * from "./objects.js";
export * from "./pod-state.js";
export { rankForDeletion } from "./pod-ranking.js";
export { Expectations, EXPECTATIONS_TIMEOUT_MS } from "./expectations.js";
export { slowStartBatch, SLOW_START_INITIAL_BATCH_SIZE } from "./slow-start.js";
export { runWorkers } from "./workers.js";
export { selects, labelsOf } from "./selector.js";
