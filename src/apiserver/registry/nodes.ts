/** core/v1 Node: cluster-scoped; spec and status change through separate endpoints. */
import { age } from "./age.js";
import { AGE_COLUMN, NAME_COLUMN, column, orNone } from "./columns.js";
import { getPath, isJsonObject, stringAt, type KubeObject } from "./object.js";
import { nodeFields } from "../selectors/index.js";
import { ALL_VERBS, type ResourceDefinition } from "./resource.js";

/** kubectl: the label prefix and legacy label that name a node's roles. */
const NODE_ROLE_PREFIX = "node-role.kubernetes.io/";
const LEGACY_ROLE_LABEL = "kubernetes.io/role";

function nodeStatus(obj: KubeObject): string {
  const conditions = getPath(obj, "status", "conditions");
  const states: string[] = [];
  if (Array.isArray(conditions)) {
    const ready = conditions.find((c) => isJsonObject(c) && c["type"] === "Ready");
    if (isJsonObject(ready)) {
      states.push(
        ready["status"] === "True" ? "Ready" : ready["status"] === "False" ? "NotReady" : "Unknown",
      );
    }
  }
  if (states.length === 0) states.push("Unknown");
  if (getPath(obj, "spec", "unschedulable") === true) states.push("SchedulingDisabled");
  return states.join(",");
}

function nodeRoles(obj: KubeObject): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(obj.metadata.labels ?? {})) {
    if (k.startsWith(NODE_ROLE_PREFIX) && k.length > NODE_ROLE_PREFIX.length)
      roles.add(k.slice(NODE_ROLE_PREFIX.length));
    else if (k === LEGACY_ROLE_LABEL && v !== "") roles.add(v);
  }
  return roles.size === 0 ? "<none>" : [...roles].sort().join(",");
}

function address(obj: KubeObject, type: string): string {
  const list = getPath(obj, "status", "addresses");
  if (!Array.isArray(list)) return "<none>";
  const found = list.find((a) => isJsonObject(a) && a["type"] === type);
  return isJsonObject(found) ? orNone(found["address"]) : "<none>";
}

function info(obj: KubeObject, field: string): string {
  const v = stringAt(obj, "status", "nodeInfo", field);
  return v === "" ? "<unknown>" : v;
}

export const nodes: ResourceDefinition = {
  group: "",
  version: "v1",
  kind: "Node",
  plural: "nodes",
  singular: "node",
  shortNames: ["no"],
  namespaced: false,
  verbs: ALL_VERBS,
  subresources: [
    { name: "status", kind: "Node", verbs: ["get", "patch", "update"] },
    { name: "proxy", kind: "NodeProxyOptions", verbs: ["create", "delete", "get", "patch", "update"] },
  ],
  prepareForUpdate(obj, old) {
    obj["status"] = old["status"];
  },
  prepareForStatusUpdate(obj, old) {
    obj["spec"] = old["spec"];
  },
  selectableFields: nodeFields,
  table: {
    columns: [
      NAME_COLUMN,
      column("Status", "The status of the node"),
      column("Roles", "The roles of the node"),
      AGE_COLUMN,
      column("Version", "Kubelet Version reported by the node."),
      column("Internal-IP", "List of internal IPs that are reachable from the node.", 1),
      column("External-IP", "List of external IPs that are reachable from the node.", 1),
      column(
        "OS-Image",
        "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 12 (bookworm)).",
        1,
      ),
      column(
        "Kernel-Version",
        "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
        1,
      ),
      column("Container-Runtime", "Container runtime version reported by the node.", 1),
    ],
    cells: (obj, now) => [
      obj.metadata.name,
      nodeStatus(obj),
      nodeRoles(obj),
      age(obj.metadata.creationTimestamp, now),
      stringAt(obj, "status", "nodeInfo", "kubeletVersion"),
      address(obj, "InternalIP"),
      address(obj, "ExternalIP"),
      info(obj, "osImage"),
      info(obj, "kernelVersion"),
      info(obj, "containerRuntimeVersion"),
    ],
  },
};
