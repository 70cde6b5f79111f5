/**
 * /openapi/v3: enough for kubectl apply and create with default (strict) validation. Each
 * group-version document carries, per kind, a PATCH operation tagged with
 * x-kubernetes-group-version-kind and a fieldValidation parameter: kubectl then sends
 * fieldValidation=Strict and leaves the checking to the server.
 */
import { createHash } from "node:crypto";
import type { ResourceDefinition } from "../registry/index.js";
import { componentSchemas } from "../schema/index.js";

function gvPath(group: string, version: string): string {
  return group === "" ? `api/${version}` : `apis/${group}/${version}`;
}

const QUERY_PARAMETERS = ["dryRun", "fieldManager", "fieldValidation", "force"];

function patchOperation(def: ResourceDefinition): Record<string, unknown> {
  return {
    description: `partially update the specified ${def.kind}`,
    operationId: `patch${def.kind}`,
    "x-kubernetes-action": "patch",
    "x-kubernetes-group-version-kind": { group: def.group, version: def.version, kind: def.kind },
    parameters: QUERY_PARAMETERS.map((name) => ({
      name,
      in: "query",
      schema: { type: name === "force" ? "boolean" : "string", uniqueItems: true },
    })),
    responses: { "200": { description: "OK" } },
  };
}

const documents = new WeakMap<
  readonly ResourceDefinition[],
  Map<string, Record<string, unknown> | undefined>
>();

/** The document for one group-version, or undefined when none is served (built once per kind list). */
export function groupVersionDocument(
  defs: readonly ResourceDefinition[],
  group: string,
  version: string,
): Record<string, unknown> | undefined {
  let byGv = documents.get(defs);
  if (byGv === undefined) {
    byGv = new Map();
    documents.set(defs, byGv);
  }
  const key = `${group}/${version}`;
  if (!byGv.has(key)) byGv.set(key, buildDocument(defs, group, version));
  return byGv.get(key);
}

function buildDocument(
  defs: readonly ResourceDefinition[],
  group: string,
  version: string,
): Record<string, unknown> | undefined {
  const list = defs.filter((d) => d.group === group && d.version === version);
  if (list.length === 0) return undefined;
  const paths: Record<string, unknown> = {};
  const base = `/${gvPath(group, version)}`;
  for (const def of list) {
    const item = def.namespaced
      ? `${base}/namespaces/{namespace}/${def.plural}/{name}`
      : `${base}/${def.plural}/{name}`;
    paths[item] = { patch: patchOperation(def) };
  }
  return {
    openapi: "3.0.0",
    info: { title: "Kubernetes", version: "v1.32.0" },
    paths,
    components: { schemas: componentSchemas(list) },
  };
}

/** GET /openapi/v3: where each group-version document lives, with a content hash. */
export function openapiIndex(defs: readonly ResourceDefinition[]): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  const seen = new Set<string>();
  for (const def of defs) {
    const p = gvPath(def.group, def.version);
    if (seen.has(p)) continue;
    seen.add(p);
    const doc = groupVersionDocument(defs, def.group, def.version);
    const hash = createHash("sha512").update(JSON.stringify(doc)).digest("hex").slice(0, 64).toUpperCase();
    paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${hash}` };
  }
  return { paths };
}
