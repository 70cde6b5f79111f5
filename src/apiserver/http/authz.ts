/**
 * Authorization. system:masters may do anything. A node (user system:node:NAME in system:nodes)
 * gets what Kubernetes' Node authorizer and NodeRestriction admission give it: its own Node and
 * Lease, the status of pods bound to it, events, reads of pods bound to it and of the secrets and
 * configmaps those pods use; as RBAC's system:node role, CSRs, TokenReviews and SubjectAccessReviews. Every other authenticated user is refused; anonymous users reach only
 * the health and version endpoints (checked before this, in the handler).
 */
import { BerthError, ErrorCode } from "../../common/errors.js";
import { getPath, isJsonObject, stringAt, type KubeObject } from "../registry/index.js";
import { GROUP_MASTERS, nodeNameOf, type UserInfo } from "./authn.js";

export interface Attributes {
  readonly user: UserInfo;
  readonly verb: string;
  readonly group: string;
  readonly resource: string;
  readonly subresource?: string;
  readonly namespace?: string;
  readonly name?: string;
  /** For list/watch: a metadata.name the field selector pins, if it does. */
  readonly selectedName?: string;
  /** For list/watch: a spec.nodeName the field selector pins, if it does. */
  readonly selectedNode?: string;
}

/** What authorization needs to read: objects and the pods bound to a node. */
export interface AuthzReader {
  get(resource: string, namespace: string | undefined, name: string): Promise<KubeObject | undefined>;
  podsOnNode(node: string, namespace: string): Promise<KubeObject[]>;
}

/** kube-apiserver: the namespace holding node heartbeats. */
export const NODE_LEASE_NAMESPACE = "kube-node-lease";

const READ = new Set(["get", "list", "watch"]);
const WRITE = new Set(["create", "update", "patch", "delete"]);

export class Authorizer {
  constructor(private readonly reader: AuthzReader) {}

  /** Resolves when allowed; throws Forbidden otherwise. */
  async authorize(a: Attributes): Promise<void> {
    if (a.user.groups.includes(GROUP_MASTERS)) return;
    const node = nodeNameOf(a.user);
    if (node !== undefined) {
      const reason = await this.nodeDecision(node, a);
      if (reason === undefined) return;
      throw forbiddenError(a, reason);
    }
    throw forbiddenError(a, "");
  }

  /**
   * NodeRestriction on create, where the name is in the body: a node may create only its own Node,
   * its own Lease, and mirror pods of its static pods. Throws Forbidden otherwise.
   */
  admitCreate(
    user: UserInfo,
    resource: string,
    group: string,
    namespace: string | undefined,
    obj: KubeObject,
  ): void {
    const node = nodeNameOf(user);
    if (node === undefined || user.groups.includes(GROUP_MASTERS)) return;
    const name = obj.metadata.name ?? "";
    if ((resource === "nodes" || resource === "leases") && name !== node) {
      throw forbiddenError(
        {
          user,
          verb: "create",
          group,
          resource,
          ...(namespace ? { namespace } : {}),
          ...(name ? { name } : {}),
        },
        `node "${node}" is not allowed to create ${resource} "${name}"`,
      );
    }
    if (resource === "pods" && group === "") {
      const reason = mirrorPodRefusal(node, obj);
      if (reason !== undefined) {
        throw forbiddenError(
          {
            user,
            verb: "create",
            group,
            resource,
            ...(namespace ? { namespace } : {}),
            ...(name ? { name } : {}),
          },
          reason,
        );
      }
    }
  }

  /** undefined: allowed; a string: why not. */
  private async nodeDecision(node: string, a: Attributes): Promise<string | undefined> {
    const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
    const isMine = a.name === node;
    switch (resource) {
      case "nodes":
        if (READ.has(a.verb)) return undefined;
        // create names its node in the body: admitCreate checks it
        if (a.verb === "create" && a.name === undefined) return undefined;
        if (a.verb === "update" || a.verb === "patch" || a.verb === "delete") {
          return isMine ? undefined : `node "${node}" is not allowed to modify node "${a.name ?? ""}"`;
        }
        return "nodes may not do that to nodes";
      case "nodes/status":
        return isMine && (a.verb === "get" || a.verb === "update" || a.verb === "patch")
          ? undefined
          : `node "${node}" is not allowed to modify node "${a.name ?? ""}"`;
      case "leases":
        if (a.group !== "coordination.k8s.io") return "unknown resource";
        if (a.namespace !== NODE_LEASE_NAMESPACE)
          return `can only access leases in the ${NODE_LEASE_NAMESPACE} namespace`;
        if (
          (READ.has(a.verb) || WRITE.has(a.verb)) &&
          (isMine || (a.verb === "create" && a.name === undefined))
        ) {
          return undefined;
        }
        return `can only access node lease with the same name as the requesting node`;
      case "events":
        return a.verb === "create" || a.verb === "update" || a.verb === "patch" || READ.has(a.verb)
          ? undefined
          : "nodes may only record events";
      case "namespaces":
        return READ.has(a.verb) ? undefined : "nodes may only read namespaces";
      // RBAC's system:node role: the kubelet resolves a pod's runtimeClassName to its handler
      case "runtimeclasses":
        return READ.has(a.verb) ? undefined : "nodes may only read runtimeclasses";
      case "pods":
        return this.podDecision(node, a, false);
      case "pods/status":
        return this.podDecision(node, a, true);
      case "secrets":
      case "configmaps":
        return this.referencedDecision(node, a);
      // RBAC's system:node role: request serving certificates, check callers of the node's server.
      case "certificatesigningrequests":
        return a.verb === "create" || READ.has(a.verb) ? undefined : "nodes may only create and read CSRs";
      case "tokenreviews":
      case "subjectaccessreviews":
        return a.verb === "create" ? undefined : `nodes may only create ${a.resource}`;
      default:
        return `no relationship found between node "${node}" and this object`;
    }
  }

  private async podDecision(node: string, a: Attributes, status: boolean): Promise<string | undefined> {
    if ((a.verb === "list" || a.verb === "watch") && !status) {
      return a.selectedNode === node
        ? undefined
        : `can only list/watch pods with spec.nodeName field selector`;
    }
    // create names the pod in the body: admitCreate allows mirror pods bound to the node only
    if (a.verb === "create" && !status) return a.name === undefined ? undefined : "nodes may not create pods";
    if (a.name === undefined) return "a pod name is required";
    const allowed = status ? ["get", "update", "patch"] : ["get", "delete"];
    if (!allowed.includes(a.verb)) return `nodes may not ${a.verb} pods`;
    const pod = await this.reader.get("pods", a.namespace, a.name);
    if (pod === undefined)
      return a.verb === "get" ? undefined : `pod "${a.name}" is not bound to node "${node}"`;
    return stringAt(pod, "spec", "nodeName") === node
      ? undefined
      : `no relationship found between node "${node}" and this object`;
  }

  private async referencedDecision(node: string, a: Attributes): Promise<string | undefined> {
    if (!READ.has(a.verb)) return `nodes may only read ${a.resource}`;
    const name = a.verb === "get" ? a.name : a.selectedName;
    if (name === undefined || a.namespace === undefined) {
      return `can only read individual ${a.resource} referenced by pods bound to the node`;
    }
    const podsOnNode = await this.reader.podsOnNode(node, a.namespace);
    const kind = a.resource === "secrets" ? "secret" : "configmap";
    if (podsOnNode.some((p) => podReferences(p, kind).has(name))) return undefined;
    return `no relationship found between node "${node}" and this object`;
  }
}

function forbiddenError(a: Attributes, reason: string): BerthError {
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const what = a.name ? `${a.resource} "${a.name}"` : a.resource;
  const scope = a.namespace ? ` in the namespace "${a.namespace}"` : " at the cluster scope";
  const tail = reason === "" ? "" : `: ${reason}`;
  return new BerthError(
    ErrorCode.Forbidden,
    `${what} is forbidden: User "${a.user.name}" cannot ${a.verb} resource "${resource}" in API group "${a.group}"${scope}${tail}`,
    { details: { kind: a.resource, group: a.group, ...(a.name ? { name: a.name } : {}) } },
  );
}

/** kubernetes: the annotation that marks a mirror pod (core.MirrorPodAnnotationKey). */
export const MIRROR_POD_ANNOTATION = "kubernetes.io/config.mirror";

/** NodeRestriction's admitPodCreate: why node may not create this pod, or undefined. */
function mirrorPodRefusal(node: string, pod: KubeObject): string | undefined {
  const annotations = pod.metadata.annotations ?? {};
  if (!(MIRROR_POD_ANNOTATION in annotations)) {
    return `pod does not have "${MIRROR_POD_ANNOTATION}" annotation, node "${node}" can only create mirror pods`;
  }
  if (stringAt(pod, "spec", "nodeName") !== node) {
    return `node "${node}" can only create pods with spec.nodeName set to itself`;
  }
  const owners = pod.metadata.ownerReferences ?? [];
  if (owners.length > 1)
    return `node "${node}" can only create pods with a single owner reference set to itself`;
  const owner = owners[0];
  if (
    owner !== undefined &&
    !(
      getPath(owner, "apiVersion") === "v1" &&
      getPath(owner, "kind") === "Node" &&
      getPath(owner, "name") === node
    )
  ) {
    return `node "${node}" can only create pods with an owner reference set to itself`;
  }
  if (stringAt(pod, "spec", "serviceAccountName")) {
    return `node "${node}" can not create pods that reference a service account`;
  }
  if (podReferences(pod, "secret").size > 0)
    return `node "${node}" can not create pods that reference secrets`;
  if (podReferences(pod, "configmap").size > 0)
    return `node "${node}" can not create pods that reference configmaps`;
  const volumes = getPath(pod, "spec", "volumes");
  for (const v of Array.isArray(volumes) ? volumes : []) {
    if (getPath(v, "persistentVolumeClaim") !== undefined) {
      return `node "${node}" can not create pods that reference persistentvolumeclaims`;
    }
  }
  return undefined;
}

/** Names of the secrets or configmaps a pod uses: volumes, env, envFrom, image pull secrets, projected. */
export function podReferences(pod: KubeObject, kind: "secret" | "configmap"): Set<string> {
  const names = new Set<string>();
  const add = (v: unknown) => {
    if (typeof v === "string" && v !== "") names.add(v);
  };
  const spec = getPath(pod, "spec");
  const volumes = getPath(spec, "volumes");
  for (const vol of Array.isArray(volumes) ? volumes : []) {
    if (kind === "secret") add(getPath(vol, "secret", "secretName"));
    else add(getPath(vol, "configMap", "name"));
    const sources = getPath(vol, "projected", "sources");
    for (const src of Array.isArray(sources) ? sources : []) {
      add(getPath(src, kind === "secret" ? "secret" : "configMap", "name"));
    }
  }
  if (kind === "secret") {
    const pulls = getPath(spec, "imagePullSecrets");
    for (const p of Array.isArray(pulls) ? pulls : []) add(getPath(p, "name"));
  }
  for (const field of ["initContainers", "containers", "ephemeralContainers"]) {
    const containers = getPath(spec, field);
    for (const c of Array.isArray(containers) ? containers : []) {
      const env = getPath(c, "env");
      for (const e of Array.isArray(env) ? env : []) {
        add(getPath(e, "valueFrom", kind === "secret" ? "secretKeyRef" : "configMapKeyRef", "name"));
      }
      const envFrom = getPath(c, "envFrom");
      for (const e of Array.isArray(envFrom) ? envFrom : []) {
        if (isJsonObject(e)) add(getPath(e, kind === "secret" ? "secretRef" : "configMapRef", "name"));
      }
    }
  }
  return names;
}
