/**
 * The registry's public surface: every served kind, and the generic store that serves them.
 * A new kind is one file exporting a ResourceDefinition, added to RESOURCES below.
 */
import { certificatesigningrequests } from "./certificatesigningrequests.js";
import { configmaps } from "./configmaps.js";
import { deployments } from "./deployments.js";
import { events } from "./events.js";
import { leases } from "./leases.js";
import { namespaces } from "./namespaces.js";
import { nodes } from "./nodes.js";
import { pods } from "./pods.js";
import { replicasets } from "./replicasets.js";
import { runtimeclasses } from "./runtimeclasses.js";
import type { ResourceDefinition } from "./resource.js";
import { REVIEW_KINDS, subjectaccessreviews, tokenreviews } from "./reviews.js";
import { METRICS_KINDS, nodemetrics, podmetrics } from "./metrics.js";
import { secrets } from "./secrets.js";

export const RESOURCES: readonly ResourceDefinition[] = [
  namespaces,
  pods,
  nodes,
  events,
  configmaps,
  secrets,
  leases,
  deployments,
  replicasets,
  runtimeclasses,
  certificatesigningrequests,
  tokenreviews,
  subjectaccessreviews,
  nodemetrics,
  podmetrics,
];

export {
  configmaps,
  events,
  leases,
  namespaces,
  nodes,
  pods,
  secrets,
  deployments,
  replicasets,
  runtimeclasses,
};
export { scaleOf, withScale, SCALE_API_VERSION } from "./scale.js";
export { certificatesigningrequests, REVIEW_KINDS, subjectaccessreviews, tokenreviews };
export { METRICS_KINDS, nodemetrics, podmetrics };
export {
  csrCondition,
  KEY_USAGES,
  MIN_EXPIRATION_SECONDS,
  SIGNER_KUBELET_SERVING,
} from "./certificatesigningrequests.js";
export { LABEL_METADATA_NAME, FINALIZER_KUBERNETES } from "./namespaces.js";
export { podGracePeriod } from "./pods.js";
export { bindingTarget, bindPod } from "./pod-binding.js";
export { humanDuration, age } from "./age.js";
export * from "./object.js";
export * from "./resource.js";
export * from "./errors.js";
export { invalid, invalidError } from "./validation.js";
export {
  ResourceStore,
  bookmarkOf,
  parseResourceVersion,
  type CreateRequest,
  type DeleteRequest,
  type ObjectAdmission,
  type DeleteResponse,
  type ListRequest,
  type ListResponse,
  type Mutation,
  type ObjectFilter,
  type Preconditions,
  type StoreContext,
  type UpdateRequest,
  type WatchEvent,
} from "./store.js";
