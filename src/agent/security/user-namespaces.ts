/**
 * `hostUsers: false` asks for a user namespace. Neither runtime berth drives here can give one
 * per pod (containerd 1.6 has no idmap mounts for CRI pods; Docker maps users per daemon, not per
 * container), so such a pod is refused at admission instead of running in the host's user
 * namespace. Modelled on the kubelet's refusal when the runtime handler lacks user namespace
 * support (kubelet: userns manager, RuntimeHandler features).
 */
import type { IPod } from "kubernetes-models/v1";
import type { SecurityAdmitResult } from "./admit-result.js";

/** berth's reason; upstream's refusal comes from the sandbox's user namespace mapping. */
export const REASON_USER_NAMESPACES_NOT_SUPPORTED = "UserNamespacesNotSupported";

export function admitUserNamespaces(pod: IPod, runtimeHandler: string): SecurityAdmitResult {
  if (pod.spec?.hostUsers !== false) return { admit: true };
  return {
    admit: false,
    reason: REASON_USER_NAMESPACES_NOT_SUPPORTED,
    message: `RuntimeClass handler ${JSON.stringify(runtimeHandler)} does not support user namespaces`,
  };
}
