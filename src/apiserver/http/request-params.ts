/** Request parameters: the definition and verb of a URL, selectors, query values, the body object. */
import type { IncomingMessage } from "node:http";
import { BerthError, ErrorCode } from "../../common/errors.js";
import {
  META_SELECTABLE_FIELDS,
  matchFields,
  matchLabels,
  parseFieldSelector,
  parseLabelSelector,
} from "../selectors/index.js";
import type { FieldRequirement, LabelRequirement } from "../selectors/index.js";
import {
  badRequest,
  isJsonObject,
  parseResourceVersion,
  type KubeObject,
  type ObjectFilter,
  type ResourceDefinition,
  type ResourceStore,
} from "../registry/index.js";
import { parseBody, readBody } from "./body.js";
import type { ApiContext } from "./context.js";
import { JSON_TYPE, YAML_TYPE, checkBodyType, mediaType } from "./media.js";
import { PROTOBUF_TYPE, decodeProtobuf } from "./protobuf.js";
import type { ResourceRequest } from "./request-info.js";
import { unsupported } from "./status.js";

export function findDefinition(ctx: ApiContext, info: ResourceRequest): ResourceDefinition {
  const def = ctx.defs.find(
    (d) => d.group === info.group && d.version === info.version && d.plural === info.resource,
  );
  if (def === undefined || (info.namespace !== undefined && !def.namespaced)) {
    throw new BerthError(ErrorCode.NotFound, "the server could not find the requested resource", {
      details: {},
    });
  }
  if (info.subresource !== undefined && !def.subresources.some((s) => s.name === info.subresource)) {
    throw new BerthError(ErrorCode.NotFound, "the server could not find the requested resource", {
      details: {},
    });
  }
  return def;
}

/** The Kubernetes verb of a request (for authorization and dispatch). */
export function verbOf(method: string, info: ResourceRequest, query: URLSearchParams): string {
  const watch = query.get("watch");
  switch (method) {
    case "GET":
    case "HEAD":
      if (info.name === undefined) return watch === "true" || watch === "1" ? "watch" : "list";
      return "get";
    case "POST":
      return "create";
    case "PUT":
      return "update";
    case "PATCH":
      return "patch";
    case "DELETE":
      return info.name === undefined ? "deletecollection" : "delete";
    default:
      throw unsupported(
        "MethodNotAllowed",
        `the server does not allow this method on the requested resource`,
      );
  }
}

export interface Selection {
  readonly labels: LabelRequirement[];
  readonly fields: FieldRequirement[];
  readonly filter?: ObjectFilter;
}

export function selection(def: ResourceDefinition, query: URLSearchParams): Selection {
  const labels = parseLabelSelector(query.get("labelSelector") ?? "");
  const allowed = new Set([
    ...META_SELECTABLE_FIELDS,
    ...Object.keys(def.selectableFields?.({ metadata: {} }) ?? {}),
  ]);
  const fields = parseFieldSelector(query.get("fieldSelector") ?? "", allowed);
  if (labels.length === 0 && fields.length === 0) return { labels, fields };
  const filter = (obj: KubeObject) => {
    if (labels.length > 0 && !matchLabels(labels, obj.metadata.labels)) return false;
    if (fields.length === 0) return true;
    const values = {
      "metadata.name": obj.metadata.name ?? "",
      "metadata.namespace": obj.metadata.namespace ?? "",
      ...(def.selectableFields?.(obj) ?? {}),
    };
    return matchFields(fields, values);
  };
  return { labels, fields, filter };
}

/** The value a field selector pins with = (for authorization of node list/watch). */
export function pinned(fields: readonly FieldRequirement[], field: string): string | undefined {
  return fields.find((f) => f.field === field && f.operator === "=")?.value;
}

export function intParam(query: URLSearchParams, name: string): number | undefined {
  const v = query.get(name);
  if (v === null || v === "") return undefined;
  if (!/^-?\d+$/.test(v)) throw badRequest(`${name} must be an integer, not ${JSON.stringify(v)}`);
  return Number(v);
}

export function isDryRun(query: URLSearchParams): boolean {
  const v = query.get("dryRun");
  if (v === null || v === "") return false;
  if (v !== "All") throw badRequest(`unsupported dry run value ${JSON.stringify(v)}: only All is supported`);
  return true;
}

export async function readObject(
  req: IncomingMessage,
  ctx: ApiContext,
  def: ResourceDefinition,
): Promise<unknown> {
  const type = mediaType(req.headers["content-type"]);
  checkBodyType(type, [JSON_TYPE, YAML_TYPE, PROTOBUF_TYPE]);
  const body = await readBody(req, ctx.maxBodyBytes);
  if (type === PROTOBUF_TYPE) return decodeProtobuf(body, def);
  return parseBody(body, type || JSON_TYPE);
}

export function asObject(value: unknown, def: ResourceDefinition): KubeObject {
  if (!isJsonObject(value)) throw badRequest(`the body must be a ${def.kind} object`);
  if (value["metadata"] === undefined) value["metadata"] = {};
  if (!isJsonObject(value["metadata"])) throw badRequest("metadata must be an object");
  const kind = value["kind"];
  if (kind !== undefined && kind !== def.kind) {
    throw badRequest(`the body is a ${String(kind)}, not a ${def.kind}`);
  }
  return value as KubeObject;
}

/**
 * resourceVersionMatch: Exact lists as of that revision; NotOlderThan (or none) is answered with
 * the current state, which is never older than any revision the server handed out.
 */
export function listRevision(query: URLSearchParams): number | undefined {
  const match = query.get("resourceVersionMatch") ?? "";
  const rv = parseResourceVersion(query.get("resourceVersion") ?? "");
  if (match === "" || match === "NotOlderThan") {
    if (match !== "" && rv === 0 && query.get("resourceVersion") !== "0") {
      throw badRequest("resourceVersionMatch is forbidden unless resourceVersion is provided");
    }
    return undefined;
  }
  if (match !== "Exact") {
    throw badRequest(`resourceVersionMatch must be Exact or NotOlderThan, not ${JSON.stringify(match)}`);
  }
  if (rv === 0) throw badRequest("resourceVersionMatch Exact needs a non-zero resourceVersion");
  return rv;
}

export function storeFor(ctx: ApiContext, def: ResourceDefinition): ResourceStore {
  const store = ctx.store(def.group, def.plural);
  if (store === undefined) throw new BerthError(ErrorCode.Internal, `no store for ${def.plural}`);
  return store;
}
