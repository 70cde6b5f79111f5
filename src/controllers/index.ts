/**
 * The controller manager and its controllers: ReplicaSet, Deployment, garbage collector,
 * namespace, node lifecycle and node IPAM, over shared informers and rate-limited work queues.
 */
export {
  ControllerManager,
  CONTROLLER_MANAGER_LEASE,
  type ControllerManagerOptions,
} from "./controller-manager.js";
export { CidrSet, NODE_CIDR_MASK_SIZE_IPV4, parseCidr4 } from "./nodeipam/index.js";
