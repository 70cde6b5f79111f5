/** The store key of an object: "namespace/name", or "name" for cluster-scoped objects (client-go MetaNamespaceKeyFunc). */
import type { KubeObject } from "./types.js";

export function objectKey(obj: KubeObject): string | undefined {
  const name = obj.metadata?.name;
  if (name === undefined || name === "") return undefined;
  const namespace = obj.metadata?.namespace;
  return namespace ? `${namespace}/${name}` : name;
}
