/**
 * Which kubernetes.io/kubelet-serving requests the control plane approves on its own: a node asking
 * for a serving certificate for exactly its own names. Kubernetes leaves these to an external
 * approver; berth approves them itself so that the API server can verify every agent it talks to.
 * The checks follow the signer's rules (pkg/apis/certificates/v1 IsKubeletServingCSR) plus the
 * addresses the Node object reports.
 */
import type { RequestedCertificate } from "../../pki/index.js";
import { getPath, isJsonObject, type KubeObject } from "../registry/index.js";

export const NODE_USER_PREFIX = "system:node:";
export const GROUP_NODES = "system:nodes";
/** certificates/v1: the usages a kubelet serving certificate may ask for. */
const SERVING_USAGES = new Set(["digital signature", "key encipherment", "server auth"]);

export type Decision =
  | { readonly approve: true; readonly message: string }
  | { readonly approve: false; readonly reason: string; readonly message: string };

function deny(message: string): Decision {
  return { approve: false, reason: "SignerValidationFailure", message };
}

/** The names a node may put in its serving certificate: its name and every status address. */
export function nodeNames(node: KubeObject): { dnsNames: Set<string>; ipAddresses: Set<string> } {
  const dnsNames = new Set<string>([node.metadata.name ?? ""]);
  const ipAddresses = new Set<string>();
  const addresses = getPath(node, "status", "addresses");
  for (const a of Array.isArray(addresses) ? addresses : []) {
    if (!isJsonObject(a) || typeof a["address"] !== "string") continue;
    if (a["type"] === "Hostname" || a["type"] === "InternalDNS" || a["type"] === "ExternalDNS")
      dnsNames.add(a["address"]);
    else ipAddresses.add(a["address"]);
  }
  return { dnsNames, ipAddresses };
}

export function decideKubeletServing(
  csr: KubeObject,
  requested: RequestedCertificate,
  node: KubeObject | undefined,
): Decision {
  const username = String(getPath(csr, "spec", "username") ?? "");
  const groups = getPath(csr, "spec", "groups");
  const usages = getPath(csr, "spec", "usages");
  if (!username.startsWith(NODE_USER_PREFIX) || !Array.isArray(groups) || !groups.includes(GROUP_NODES)) {
    return deny(`${username} is not a node: only nodes may request kubelet serving certificates`);
  }
  const nodeName = username.slice(NODE_USER_PREFIX.length);
  if (requested.subject.commonName !== username) return deny(`subject CN must be ${username}`);
  if (requested.subject.organizations.join(",") !== GROUP_NODES)
    return deny(`subject O must be ${GROUP_NODES}`);
  const list = Array.isArray(usages) ? usages : [];
  if (!list.includes("server auth") || list.some((u) => typeof u !== "string" || !SERVING_USAGES.has(u))) {
    return deny(`usages must include "server auth" and only ${[...SERVING_USAGES].join(", ")}`);
  }
  if (requested.dnsNames.length + requested.ipAddresses.length === 0) {
    return deny("a serving certificate needs at least one DNS name or IP address");
  }
  if (node === undefined) return deny(`node "${nodeName}" does not exist`);
  const own = nodeNames(node);
  const foreign = [
    ...requested.dnsNames.filter((d) => !own.dnsNames.has(d)),
    ...requested.ipAddresses.filter((ip) => !own.ipAddresses.has(ip)),
  ];
  if (foreign.length > 0) return deny(`names not reported by node "${nodeName}": ${foreign.join(", ")}`);
  return { approve: true, message: `approved: the names are node "${nodeName}"'s own` };
}
