/**
 * /openapi/v2, the Swagger 2.0 document kubectl 1.27 to 1.33 read for client-side apply's patch
 * metadata (when /openapi/v3 offers none), `explain --output plaintext-openapiv2` and validation of
 * kinds v3 does not list. Its definitions are the same component schemas /openapi/v3 serves (one
 * source, schema/openapi-schemas.ts), rewritten to Swagger's `$ref: #/definitions/...`; its paths
 * carry one PATCH operation per kind with the patch types it consumes,
 * x-kubernetes-group-version-kind and the query parameters kubectl looks for. JSON, or gnostic's
 * protobuf when asked for; each form is encoded once, on first request.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { KUBERNETES_GIT_VERSION } from "../../common/version.js";
import type { ResourceDefinition } from "../registry/index.js";
import { componentSchemas, PATCH_BODY_SCHEMA } from "../schema/index.js";
import { CachedDocument, serveDocument } from "./openapi-cache.js";
import { itemPath, PATCH_CONTENT_TYPES, QUERY_PARAMETERS } from "./openapi-paths.js";
import { encodeOpenapiV2 } from "./openapi-v2-protobuf.js";

/** What kubectl sends in Accept, and the media type kube-openapi answers with (no "@", a valid token). */
export const OPENAPI_V2_PROTOBUF = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";
const OPENAPI_V2_PROTOBUF_ANSWER = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

const V3_REF = "#/components/schemas/";
const V2_REF = "#/definitions/";

/** A v3 component schema as a Swagger 2.0 definition: allOf [$ref] becomes a plain $ref. */
function toV2(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toV2);
  if (typeof value !== "object" || value === null) return value;
  const obj = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  const allOf = obj["allOf"];
  const only = Array.isArray(allOf) && allOf.length === 1 ? (allOf[0] as Record<string, unknown>) : undefined;
  for (const [k, v] of Object.entries(obj)) {
    if (k === "allOf" && only !== undefined) continue;
    if (k === "$ref" && typeof v === "string") out[k] = v.replace(V3_REF, V2_REF);
    else out[k] = k.startsWith("x-") ? v : toV2(v);
  }
  const ref = only?.["$ref"];
  if (typeof ref === "string") out["$ref"] = ref.replace(V3_REF, V2_REF);
  return out;
}

function patchOperation(def: ResourceDefinition): Record<string, unknown> {
  const group = def.group === "" ? "core" : def.group.split(".")[0];
  return {
    description: `partially update the specified ${def.kind}`,
    consumes: PATCH_CONTENT_TYPES,
    produces: ["application/json", "application/yaml", "application/vnd.kubernetes.protobuf"],
    schemes: ["https"],
    tags: [`${group}_${def.version}`],
    operationId: `patch${def.kind}`,
    parameters: [
      { name: "body", in: "body", required: true, schema: { $ref: `${V2_REF}${PATCH_BODY_SCHEMA}` } },
      ...QUERY_PARAMETERS.map((name) => ({
        uniqueItems: true,
        type: name === "force" ? "boolean" : "string",
        name,
        in: "query",
      })),
    ],
    responses: { "200": { description: "OK" }, "401": { description: "Unauthorized" } },
    "x-kubernetes-action": "patch",
    "x-kubernetes-group-version-kind": { group: def.group, kind: def.kind, version: def.version },
  };
}

/** The Swagger 2.0 document of the served kinds. */
export function openapiV2Document(defs: readonly ResourceDefinition[]): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  for (const def of defs) paths[itemPath(def)] = { patch: patchOperation(def) };
  return {
    swagger: "2.0",
    info: { title: "Kubernetes", version: KUBERNETES_GIT_VERSION },
    paths,
    definitions: toV2(componentSchemas(defs)),
  };
}

interface V2Documents {
  readonly json: CachedDocument;
  readonly protobuf: CachedDocument;
}

const documents = new WeakMap<readonly ResourceDefinition[], V2Documents>();

function documentsFor(defs: readonly ResourceDefinition[]): V2Documents {
  let docs = documents.get(defs);
  if (docs === undefined) {
    docs = {
      json: new CachedDocument(
        () => Buffer.from(JSON.stringify(openapiV2Document(defs))),
        "application/json",
      ),
      protobuf: new CachedDocument(
        () => encodeOpenapiV2(openapiV2Document(defs)),
        OPENAPI_V2_PROTOBUF_ANSWER,
      ),
    };
    documents.set(defs, docs);
  }
  return docs;
}

/** Either protobuf media type (the "@" form kubectl sends, or the dotted one) picks protobuf. */
function wantsProtobuf(accept: string): boolean {
  return accept.includes(OPENAPI_V2_PROTOBUF) || accept.includes(OPENAPI_V2_PROTOBUF_ANSWER);
}

export function serveOpenapiV2(
  req: IncomingMessage,
  res: ServerResponse,
  defs: readonly ResourceDefinition[],
): void {
  const docs = documentsFor(defs);
  serveDocument(req, res, wantsProtobuf(req.headers.accept ?? "") ? docs.protobuf : docs.json);
}
