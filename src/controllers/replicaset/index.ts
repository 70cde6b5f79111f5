/** The ReplicaSet controller. */
export {
  ReplicaSetController,
  BURST_REPLICAS,
  REPLICASET_WORKERS,
  type ReplicaSetControllerOptions,
} from "./controller.js";
export { REPLICA_FAILURE, FAILED_CREATE, FAILED_DELETE } from "./status.js";
