/**
 * Fixed values and strings of the node controller, named after their kubelet counterparts; the
 * configurable defaults live in config/defaults.ts.
 */

/** kubelet: nodeLeaseRenewIntervalFraction; the lease is renewed every duration * 0.25 = 10 s. */
export const NODE_LEASE_RENEW_INTERVAL_FRACTION = 0.25;
/** kube-apiserver: the namespace of node heartbeat leases. */
export const NODE_LEASE_NAMESPACE = "kube-node-lease";
/** kubelet: nodeStatusUpdateRetry, attempts per status write. */
export const NODE_STATUS_UPDATE_RETRY = 5;
/** kubelet lease controller: the first retry delay after a failed renewal, doubling up to the max. */
export const LEASE_RETRY_INITIAL_MS = 200;
/** kubelet lease controller: maxBackoff of a failing renewal. */
export const LEASE_RETRY_MAX_MS = 7_000;
/** kubelet: how long a registration attempt waits before retrying, doubling to 7 s. */
export const REGISTER_RETRY_INITIAL_MS = 100;
export const REGISTER_RETRY_MAX_MS = 7_000;

/** Well-known node labels the kubelet sets on registration (k8s.io/api/core/v1 well_known_labels). */
export const LABEL_HOSTNAME = "kubernetes.io/hostname";
export const LABEL_OS = "kubernetes.io/os";
export const LABEL_ARCH = "kubernetes.io/arch";
/** kubelet: the deprecated beta labels, still set by kubelet_node_status.go. */
export const LABEL_BETA_OS = "beta.kubernetes.io/os";
export const LABEL_BETA_ARCH = "beta.kubernetes.io/arch";
/** kubelet: the annotation saying the attach/detach controller manages volumes. */
export const ANNOTATION_CONTROLLER_MANAGED_ATTACH_DETACH =
  "volumes.kubernetes.io/controller-managed-attach-detach";

/** pkg/kubelet/events: reasons of node events. */
export const EVENT_STARTING = "Starting";
export const EVENT_NODE_READY = "NodeReady";
export const EVENT_NODE_NOT_READY = "NodeNotReady";
/** berth's wording of the kubelet's "Starting kubelet." */
export const STARTING_MESSAGE = "Starting berth agent.";

/** kubelet: the message of a node status event (recordNodeStatusEvent). */
export function nodeStatusEventMessage(nodeName: string, event: string): string {
  return `Node ${nodeName} status is now: ${event}`;
}
