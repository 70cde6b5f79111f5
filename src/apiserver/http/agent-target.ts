/** Where a pod's logs and exec are served: its node's InternalIP and kubelet endpoint port. */
import { BerthError, ErrorCode } from "../../common/errors.js";
import { badRequest, getPath, isJsonObject, stringAt, type KubeObject } from "../registry/index.js";

/** Where a node's agent listens: its InternalIP and kubelet endpoint port. */
export interface AgentEndpoint {
  readonly host: string;
  readonly port: number;
}

export interface AgentTarget extends AgentEndpoint {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
}

/** The container a request names, or the pod's only container. */
export function pickContainer(pod: KubeObject, requested: string | null): string {
  const containers = getPath(pod, "spec", "containers");
  const names = (Array.isArray(containers) ? containers : [])
    .map((c) => (isJsonObject(c) && typeof c["name"] === "string" ? c["name"] : ""))
    .filter((n) => n !== "");
  const inits = getPath(pod, "spec", "initContainers");
  const initNames = (Array.isArray(inits) ? inits : [])
    .map((c) => (isJsonObject(c) && typeof c["name"] === "string" ? c["name"] : ""))
    .filter((n) => n !== "");
  const name = pod.metadata.name ?? "";
  if (requested !== null && requested !== "") {
    if (names.includes(requested) || initNames.includes(requested)) return requested;
    throw badRequest(`container ${requested} is not valid for pod ${name}`);
  }
  if (names.length === 1 && names[0] !== undefined) return names[0];
  throw badRequest(`a container name must be specified for pod ${name}, choose one of: [${names.join(" ")}]`);
}

/** The node's InternalIP (else the first address) and status.daemonEndpoints.kubeletEndpoint.Port. */
export function agentAddress(node: KubeObject): AgentEndpoint {
  const addresses = getPath(node, "status", "addresses");
  const list = (Array.isArray(addresses) ? addresses : []).filter(isJsonObject);
  const internal = list.find((a) => a["type"] === "InternalIP") ?? list[0];
  const host = internal !== undefined ? stringAt(internal, "address") : "";
  const port = getPath(node, "status", "daemonEndpoints", "kubeletEndpoint", "Port");
  if (host === "" || typeof port !== "number" || port <= 0) {
    throw new BerthError(
      ErrorCode.RuntimeUnavailable,
      `node "${node.metadata.name ?? ""}" does not report an address and kubelet port`,
    );
  }
  return { host, port };
}
