/**
 * The controller manager and its controllers: ReplicaSet, Deployment, garbage collector,
 * namespace and node lifecycle, over shared informers and rate-limited work queues.
 */
export {
  ControllerManager,
  CONTROLLER_MANAGER_LEASE,
  type ControllerManagerOptions,
} from "./controller-manager.js";
