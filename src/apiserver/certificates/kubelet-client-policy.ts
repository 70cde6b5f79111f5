/**
 * Which kubernetes.io/kube-apiserver-client-kubelet requests the control plane approves on its own,
 * as kube-controller-manager's csrapproving does with kubeadm's bindings: a node joining with a
 * bootstrap token (group system:bootstrappers, kubeadm's "nodeclient" permission) and a node
 * renewing its own client certificate ("selfnodeclient"). The request must have the kubelet client
 * shape (certificates/v1 IsKubeletClientCSR): O system:nodes, CN system:node:<name>, no subject
 * alternative names, usages client auth and digital signature (key encipherment allowed). Requests
 * from anyone else stay pending for an administrator (`kubectl certificate approve`).
 */
import { GROUP_BOOTSTRAPPERS } from "../../bootstrap/index.js";
import type { RequestedCertificate } from "../../pki/index.js";
import { getPath, type KubeObject } from "../registry/index.js";
import { GROUP_NODES, NODE_USER_PREFIX, type Decision } from "./kubelet-serving-policy.js";

/** certificates/v1: the usages a kubelet client certificate may ask for; the first two are required. */
const CLIENT_USAGES_REQUIRED = ["client auth", "digital signature"];
const CLIENT_USAGES = new Set([...CLIENT_USAGES_REQUIRED, "key encipherment"]);

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/** Why the request is not a kubelet client request, or undefined when it is one. */
export function kubeletClientShapeError(
  csr: KubeObject,
  requested: RequestedCertificate,
): string | undefined {
  const { commonName, organizations } = requested.subject;
  if (organizations.length !== 1 || organizations[0] !== GROUP_NODES) {
    return `subject O must be exactly ${GROUP_NODES}`;
  }
  if (!commonName.startsWith(NODE_USER_PREFIX) || commonName.length === NODE_USER_PREFIX.length) {
    return `subject CN must be ${NODE_USER_PREFIX}<node name>`;
  }
  if (requested.dnsNames.length + requested.ipAddresses.length > 0) {
    return "a kubelet client certificate may not name DNS names or IP addresses";
  }
  const usages = strings(getPath(csr, "spec", "usages"));
  if (!CLIENT_USAGES_REQUIRED.every((u) => usages.includes(u)) || usages.some((u) => !CLIENT_USAGES.has(u))) {
    return `usages must include "client auth" and "digital signature" and may add only "key encipherment"`;
  }
  return undefined;
}

/** Approve, deny (not a kubelet client request), or undefined: leave it for an administrator. */
export function decideKubeletClient(csr: KubeObject, requested: RequestedCertificate): Decision | undefined {
  const shape = kubeletClientShapeError(csr, requested);
  if (shape !== undefined) return { approve: false, reason: "SignerValidationFailure", message: shape };
  const username = String(getPath(csr, "spec", "username") ?? "");
  const groups = strings(getPath(csr, "spec", "groups"));
  if (groups.includes(GROUP_BOOTSTRAPPERS)) {
    return { approve: true, message: "Auto approving kubelet client certificate after SubjectAccessReview." };
  }
  if (groups.includes(GROUP_NODES) && username === requested.subject.commonName) {
    return {
      approve: true,
      message: "Auto approving self kubelet client certificate after SubjectAccessReview.",
    };
  }
  return undefined;
}
