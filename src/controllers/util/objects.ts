/** The API objects controllers read and write, typed by kubernetes-models. */
import type { IDeployment, IReplicaSet } from "kubernetes-models/apps/v1";
import type { IPod, INode } from "kubernetes-models/v1";
import type { KubeObject, ObjectMeta } from "../../api/index.js";

type Typed<T extends { metadata?: unknown }> = T &
  KubeObject & { metadata: NonNullable<T["metadata"]> & ObjectMeta };

export type Pod = Typed<IPod>;
export type ReplicaSet = Typed<IReplicaSet>;
export type Deployment = Typed<IDeployment>;
export type Node = Typed<INode>;

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** "namespace/name" of a namespaced object. */
export function keyOf(obj: { metadata?: { namespace?: string; name?: string } }): string {
  return `${obj.metadata?.namespace ?? ""}/${obj.metadata?.name ?? ""}`;
}

export function splitKey(key: string): [namespace: string, name: string] {
  const slash = key.indexOf("/");
  return slash < 0 ? ["", key] : [key.slice(0, slash), key.slice(slash + 1)];
}

/** metav1.GetControllerOf */
export function controllerOf(obj: { metadata?: { ownerReferences?: unknown } }): OwnerReference | undefined {
  const refs = obj.metadata?.ownerReferences;
  if (!Array.isArray(refs)) return undefined;
  return (refs as OwnerReference[]).find((r) => r?.controller === true);
}

/** metav1.NewControllerRef */
export function newControllerRef(
  owner: { metadata: { name?: string; uid?: string } },
  apiVersion: string,
  kind: string,
): OwnerReference {
  return {
    apiVersion,
    kind,
    name: owner.metadata.name ?? "",
    uid: owner.metadata.uid ?? "",
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** RFC 3339 with seconds, as metav1.Time is written. */
export function rfc3339(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

export function timeOf(text: string | undefined): number {
  if (text === undefined) return 0;
  const t = Date.parse(text);
  return Number.isNaN(t) ? 0 : t;
}
