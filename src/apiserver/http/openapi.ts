/**
 * /openapi/v3: an index of group-version documents, each with the component schemas of its kinds
 * (schema/openapi-schemas.ts, with the patch extensions) and, per kind, a PATCH operation tagged
 * with x-kubernetes-group-version-kind, a fieldValidation parameter and the patch types as request
 * bodies. kubectl then sends fieldValidation=Strict and leaves checking to the server, and computes
 * client-side apply's strategic merge patch from these schemas. Documents are encoded once, on
 * first request, and served with ETags (openapi-cache.ts); /openapi/v2 is in openapi-v2.ts.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { KUBERNETES_GIT_VERSION } from "../../common/version.js";
import type { ResourceDefinition } from "../registry/index.js";
import { componentSchemas, PATCH_BODY_SCHEMA } from "../schema/index.js";
import { CachedDocument, serveDocument } from "./openapi-cache.js";
import { gvPath, itemPath, PATCH_CONTENT_TYPES, QUERY_PARAMETERS } from "./openapi-paths.js";
import { serveOpenapiV2 } from "./openapi-v2.js";

function patchOperation(def: ResourceDefinition): Record<string, unknown> {
  const body = { schema: { $ref: `#/components/schemas/${PATCH_BODY_SCHEMA}` } };
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
    requestBody: {
      content: Object.fromEntries(PATCH_CONTENT_TYPES.map((type) => [type, body])),
      required: true,
    },
    responses: { "200": { description: "OK" } },
  };
}

/** The document for one group-version, or undefined when none is served. */
export function groupVersionDocument(
  defs: readonly ResourceDefinition[],
  group: string,
  version: string,
): Record<string, unknown> | undefined {
  const list = defs.filter((d) => d.group === group && d.version === version);
  if (list.length === 0) return undefined;
  const paths: Record<string, unknown> = {};
  for (const def of list) paths[itemPath(def)] = { patch: patchOperation(def) };
  return {
    openapi: "3.0.0",
    info: { title: "Kubernetes", version: KUBERNETES_GIT_VERSION },
    paths,
    components: { schemas: componentSchemas(list) },
  };
}

interface V3Documents {
  readonly index: CachedDocument;
  /** By "api/v1" or "apis/apps/v1". */
  readonly groups: ReadonlyMap<string, CachedDocument>;
}

const documents = new WeakMap<readonly ResourceDefinition[], V3Documents>();

function json(build: () => unknown): CachedDocument {
  return new CachedDocument(() => Buffer.from(JSON.stringify(build())), "application/json");
}

function documentsFor(defs: readonly ResourceDefinition[]): V3Documents {
  const cached = documents.get(defs);
  if (cached !== undefined) return cached;
  const groups = new Map<string, CachedDocument>();
  for (const def of defs) {
    const path = gvPath(def.group, def.version);
    if (!groups.has(path))
      groups.set(
        path,
        json(() => groupVersionDocument(defs, def.group, def.version)),
      );
  }
  // GET /openapi/v3: where each group-version document lives, with its content hash
  const index = json(() => ({
    paths: Object.fromEntries(
      [...groups].map(([path, doc]) => [path, { serverRelativeURL: `/openapi/v3/${path}?hash=${doc.etag}` }]),
    ),
  }));
  const docs = { index, groups };
  documents.set(defs, docs);
  return docs;
}

/**
 * Serves /openapi/v2, /openapi/v3 and /openapi/v3/{api/v1,apis/G/V}; false when the path is none
 * of them (or names a group-version the server does not serve).
 */
export function serveOpenapi(
  req: IncomingMessage,
  res: ServerResponse,
  defs: readonly ResourceDefinition[],
  path: string,
  hash: string | null,
): boolean {
  if (path === "/openapi/v2") {
    serveOpenapiV2(req, res, defs);
    return true;
  }
  const docs = documentsFor(defs);
  if (path === "/openapi/v3") {
    serveDocument(req, res, docs.index);
    return true;
  }
  const doc = path.startsWith("/openapi/v3/")
    ? docs.groups.get(path.slice("/openapi/v3/".length))
    : undefined;
  if (doc === undefined) return false;
  serveDocument(req, res, doc, { immutable: hash !== null && hash === doc.etag });
  return true;
}
