/** The Deployment controller. */
export { DeploymentController, DEPLOYMENT_WORKERS, type DeploymentControllerOptions } from "./controller.js";
export { resolveFenceposts, newRSNewReplicas, maxSurge, maxUnavailable } from "./replicas.js";
export { computeHash } from "./template-hash.js";
export * from "./annotations.js";
export { Reason as DeploymentConditionReason } from "./conditions.js";
