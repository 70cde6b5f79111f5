/** What the OpenAPI v2 and v3 documents share: the paths of the kinds and their PATCH operation's parameters. */
import type { ResourceDefinition } from "../registry/index.js";

export const QUERY_PARAMETERS = ["dryRun", "fieldManager", "fieldValidation", "force"];

/** The patch types every kind accepts (kube-apiserver's order). */
export const PATCH_CONTENT_TYPES = [
  "application/json-patch+json",
  "application/merge-patch+json",
  "application/strategic-merge-patch+json",
  "application/apply-patch+yaml",
];

export function gvPath(group: string, version: string): string {
  return group === "" ? `api/${version}` : `apis/${group}/${version}`;
}

/** The path of one object of a kind, as the documents' paths name it. */
export function itemPath(def: ResourceDefinition): string {
  const base = `/${gvPath(def.group, def.version)}`;
  return def.namespaced
    ? `${base}/namespaces/{namespace}/${def.plural}/{name}`
    : `${base}/${def.plural}/{name}`;
}
