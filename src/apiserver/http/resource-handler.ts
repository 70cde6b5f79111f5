/**
 * Serves the resource endpoints: verbs on a collection or an object, and the status, binding, log
 * and exec subresources. Every failure is thrown as a BerthError; handler.ts writes the Status.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
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
  bindPod,
  bindingTarget,
  isJsonObject,
  parseResourceVersion,
  type KubeObject,
  type ObjectFilter,
  type ResourceDefinition,
  type ResourceStore,
} from "../registry/index.js";
import { agentAddress, pickContainer, type AgentTarget } from "./agent-target.js";
import type { UserInfo } from "./authn.js";
import { parseBody, readBody } from "./body.js";
import type { ApiContext } from "./context.js";
import { JSON_TYPE, YAML_TYPE, checkBodyType, mediaType, wantsTable } from "./media.js";
import { checkFields, fieldValidationMode } from "./field-validation.js";
import { applyPatch, patchType } from "./patch.js";
import { PROPAGATION_POLICIES, propagateDeletion, type PropagationPolicy } from "./propagation.js";
import { PROTOBUF_TYPE, decodeProtobuf } from "./protobuf.js";
import type { ResourceRequest } from "./request-info.js";
import { writeJson } from "./respond.js";
import { success, unsupported } from "./status.js";
import { parseIncludeObject, toList, toTable } from "./table.js";
import { serveWatch } from "./watch.js";

/** Namespaces kube-apiserver refuses to delete. */
const IMMORTAL_NAMESPACES = new Set(["default", "kube-system", "kube-public"]);

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

function intParam(query: URLSearchParams, name: string): number | undefined {
  const v = query.get(name);
  if (v === null || v === "") return undefined;
  if (!/^-?\d+$/.test(v)) throw badRequest(`${name} must be an integer, not ${JSON.stringify(v)}`);
  return Number(v);
}

function isDryRun(query: URLSearchParams): boolean {
  const v = query.get("dryRun");
  if (v === null || v === "") return false;
  if (v !== "All") throw badRequest(`unsupported dry run value ${JSON.stringify(v)}: only All is supported`);
  return true;
}

async function readObject(req: IncomingMessage, ctx: ApiContext, def: ResourceDefinition): Promise<unknown> {
  const type = mediaType(req.headers["content-type"]);
  checkBodyType(type, [JSON_TYPE, YAML_TYPE, PROTOBUF_TYPE]);
  const body = await readBody(req, ctx.maxBodyBytes);
  if (type === PROTOBUF_TYPE) return decodeProtobuf(body, def);
  return parseBody(body, type || JSON_TYPE);
}

function asObject(value: unknown, def: ResourceDefinition): KubeObject {
  if (!isJsonObject(value)) throw badRequest(`the body must be a ${def.kind} object`);
  if (value["metadata"] === undefined) value["metadata"] = {};
  if (!isJsonObject(value["metadata"])) throw badRequest("metadata must be an object");
  const kind = value["kind"];
  if (kind !== undefined && kind !== def.kind) {
    throw badRequest(`the body is a ${String(kind)}, not a ${def.kind}`);
  }
  return value as KubeObject;
}

interface Call {
  readonly ctx: ApiContext;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly query: URLSearchParams;
  readonly info: ResourceRequest;
  readonly def: ResourceDefinition;
  readonly store: ResourceStore;
  readonly verb: string;
  readonly user: UserInfo;
  readonly select: Selection;
}

export function storeFor(ctx: ApiContext, def: ResourceDefinition): ResourceStore {
  const store = ctx.store(def.group, def.plural);
  if (store === undefined) throw new BerthError(ErrorCode.Internal, `no store for ${def.plural}`);
  return store;
}

/** Serves one authorized resource request. */
export async function serveResource(
  ctx: ApiContext,
  req: IncomingMessage,
  res: ServerResponse,
  query: URLSearchParams,
  info: ResourceRequest,
  def: ResourceDefinition,
  verb: string,
  user: UserInfo,
  select: Selection,
): Promise<void> {
  const call: Call = { ctx, req, res, query, info, def, store: storeFor(ctx, def), verb, user, select };
  switch (info.subresource) {
    case undefined:
      return serveMain(call);
    case "status":
      return serveStatus(call);
    case "binding":
      return serveBinding(call);
    case "log":
      return serveLog(call);
    default:
      throw unsupported("MethodNotAllowed", `${def.plural}/${info.subresource} does not allow ${verb}`);
  }
}

function respondObject(call: Call, code: number, obj: KubeObject): void {
  const accept = call.req.headers.accept ?? "";
  if (wantsTable(accept)) {
    writeJson(
      call.res,
      code,
      toTable(call.def, [obj], {
        include: parseIncludeObject(call.query.get("includeObject")),
        now: call.ctx.now(),
        withColumns: true,
        ...(obj.metadata.resourceVersion !== undefined
          ? { resourceVersion: obj.metadata.resourceVersion }
          : {}),
      }),
    );
    return;
  }
  writeJson(call.res, code, obj);
}

async function serveMain(call: Call): Promise<void> {
  const { info, store, query, verb } = call;
  const ns = info.namespace;
  switch (verb) {
    case "get":
      return respondObject(call, 200, await store.get(ns, info.name ?? ""));
    case "list":
      return serveList(call);
    case "watch":
      return serveWatchCall(call);
    case "create": {
      const obj = asObject(await readObject(call.req, call.ctx, call.def), call.def);
      checkFields(call.def, obj, fieldValidationMode(query), call.res);
      call.ctx.authorizer.admitCreate(call.user, call.def.plural, call.def.group, ns, obj);
      const created = await store.create(ns, obj, { dryRun: isDryRun(query) });
      return respondObject(call, 201, created);
    }
    case "update": {
      const obj = asObject(await readObject(call.req, call.ctx, call.def), call.def);
      checkFields(call.def, obj, fieldValidationMode(query), call.res);
      const updated = await store.update(ns, info.name ?? "", obj, { dryRun: isDryRun(query) });
      return respondObject(call, 200, updated);
    }
    case "patch":
      return servePatch(call, undefined);
    case "delete":
      return serveDelete(call);
    case "deletecollection":
      return serveDeleteCollection(call);
    default:
      throw unsupported("MethodNotAllowed", `${verb} is not supported`);
  }
}

async function serveList(call: Call): Promise<void> {
  const { store, info, query, select } = call;
  const limit = intParam(query, "limit");
  const token = query.get("continue") ?? "";
  const revision = listRevision(query);
  const list = await store.list(info.namespace, {
    ...(revision !== undefined ? { revision } : {}),
    ...(select.filter ? { filter: select.filter } : {}),
    ...(limit !== undefined ? { limit } : {}),
    ...(token !== "" ? { continueToken: token } : {}),
  });
  if (wantsTable(call.req.headers.accept ?? "")) {
    writeJson(
      call.res,
      200,
      toTable(call.def, list.items, {
        include: parseIncludeObject(query.get("includeObject")),
        now: call.ctx.now(),
        withColumns: true,
        resourceVersion: list.resourceVersion,
        ...(list.continueToken !== undefined ? { continueToken: list.continueToken } : {}),
      }),
    );
    return;
  }
  writeJson(call.res, 200, toList(call.def, list.items, list.resourceVersion, list.continueToken));
}

/**
 * resourceVersionMatch: Exact lists as of that revision; NotOlderThan (or none) is answered with
 * the current state, which is never older than any revision the server handed out.
 */
function listRevision(query: URLSearchParams): number | undefined {
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

async function serveWatchCall(call: Call): Promise<void> {
  const { query, ctx } = call;
  const afterRevision = parseResourceVersion(query.get("resourceVersion") ?? "");
  const timeout = intParam(query, "timeoutSeconds");
  const table = wantsTable(call.req.headers.accept ?? "")
    ? { include: parseIncludeObject(query.get("includeObject")), now: ctx.now }
    : undefined;
  await serveWatch(call.res, {
    store: call.store,
    ...(call.info.namespace !== undefined ? { namespace: call.info.namespace } : {}),
    afterRevision,
    ...(call.select.filter ? { filter: call.select.filter } : {}),
    bookmarks: query.get("allowWatchBookmarks") === "true",
    bookmarkIntervalMs: ctx.bookmarkIntervalMs,
    ...(timeout !== undefined && timeout > 0 ? { timeoutMs: timeout * 1000 } : {}),
    ...(table ? { table } : {}),
    shutdown: ctx.shutdown,
    log: ctx.log,
  });
}

async function servePatch(call: Call, subresource: "status" | undefined): Promise<void> {
  const { req, query, ctx, store, info, def } = call;
  const type = patchType(mediaType(req.headers["content-type"]));
  const patch = parseBody(await readBody(req, ctx.maxBodyBytes), type);
  const force = query.get("force") === "true";
  const fieldManager = query.get("fieldManager") ?? undefined;
  const isApply = type === "application/apply-patch+yaml";
  const validation = fieldValidationMode(query);
  // An apply configuration is a whole (partial) object: check it before it is merged.
  if (isApply) checkFields(def, patch, validation, call.res);
  let created = false;
  const result = await store.guaranteedUpdate(
    info.namespace,
    info.name ?? "",
    (current) => {
      created = current === undefined;
      const patched = applyPatch(def, type, current, patch, {
        ...(fieldManager !== undefined ? { fieldManager } : {}),
        force,
        now: ctx.now(),
      });
      if (!isApply) checkFields(def, patched, validation, call.res);
      return patched;
    },
    {
      ...(subresource ? { subresource } : {}),
      dryRun: isDryRun(query),
      allowCreate: isApply && subresource === undefined,
    },
  );
  respondObject(call, created ? 201 : 200, result);
}

interface DeleteOptionsBody {
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  propagationPolicy?: string;
  orphanDependents?: boolean;
  dryRun?: string[];
}

interface DeleteOptions {
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun: boolean;
  propagation: PropagationPolicy;
}

async function deleteOptions(call: Call): Promise<DeleteOptions> {
  const { req, query, ctx } = call;
  let body: DeleteOptionsBody = {};
  const raw = await readBody(req, ctx.maxBodyBytes);
  if (raw.length > 0 && raw.toString("utf8").trim() !== "") {
    const parsed = parseBody(raw, mediaType(req.headers["content-type"]) || JSON_TYPE);
    if (!isJsonObject(parsed)) throw badRequest("DeleteOptions must be an object");
    body = parsed as DeleteOptionsBody;
  }
  const grace = intParam(query, "gracePeriodSeconds") ?? body.gracePeriodSeconds;
  if (grace !== undefined && (typeof grace !== "number" || !Number.isInteger(grace))) {
    throw badRequest("gracePeriodSeconds must be an integer");
  }
  const requested = query.get("propagationPolicy") ?? body.propagationPolicy;
  let propagation: PropagationPolicy = body.orphanDependents === true ? "Orphan" : "Background";
  if (requested !== undefined && requested !== null) {
    const found = PROPAGATION_POLICIES.find((p) => p === requested);
    if (found === undefined) {
      throw badRequest(
        `propagationPolicy must be one of ${PROPAGATION_POLICIES.join(", ")}, not ${JSON.stringify(requested)}`,
      );
    }
    propagation = found;
  }
  const dryRun = isDryRun(query) || (Array.isArray(body.dryRun) && body.dryRun.includes("All"));
  return {
    ...(grace !== undefined ? { gracePeriodSeconds: grace } : {}),
    ...(isJsonObject(body.preconditions) ? { preconditions: body.preconditions } : {}),
    dryRun,
    propagation,
  };
}

async function serveDelete(call: Call): Promise<void> {
  const { info, store, def, ctx } = call;
  const name = info.name ?? "";
  if (def.plural === "namespaces" && def.group === "" && IMMORTAL_NAMESPACES.has(name)) {
    throw new BerthError(
      ErrorCode.Forbidden,
      `namespaces "${name}" is forbidden: this namespace may not be deleted`,
      {
        details: { kind: "namespaces", name },
      },
    );
  }
  const options = await deleteOptions(call);
  const stores = ctx.defs.map((d) => storeFor(ctx, d));
  if (options.propagation === "Foreground" && !options.dryRun) {
    // dependents go first; the owner follows in the same request
    const owner = await store.get(info.namespace, name);
    await propagateDeletion(stores, owner, def.namespaced, "Foreground", ctx.log);
  }
  const result = await store.delete(info.namespace, name, options);
  if (result.removed && !options.dryRun) {
    if (def.plural === "namespaces" && def.group === "") await deleteNamespaceContents(ctx, name);
    if (options.propagation !== "Foreground") {
      await propagateDeletion(stores, result.object, def.namespaced, options.propagation, ctx.log);
    }
  }
  respondObject(call, result.removed ? 200 : 202, result.object);
}

/** berth has no namespace controller: a deleted namespace takes its objects with it at once. */
async function deleteNamespaceContents(ctx: ApiContext, namespace: string): Promise<void> {
  for (const def of ctx.defs) {
    if (!def.namespaced) continue;
    const store = storeFor(ctx, def);
    const { items } = await store.list(namespace);
    for (const obj of items) {
      await store
        .delete(namespace, obj.metadata.name ?? "", { gracePeriodSeconds: 0 })
        .catch(() => undefined);
    }
  }
}

async function serveDeleteCollection(call: Call): Promise<void> {
  const { info, store, select } = call;
  const options = await deleteOptions(call);
  const { items, resourceVersion } = await store.list(
    info.namespace,
    select.filter ? { filter: select.filter } : {},
  );
  const deleted: KubeObject[] = [];
  for (const obj of items) {
    const r = await store.delete(obj.metadata.namespace, obj.metadata.name ?? "", options);
    if (r.removed && !options.dryRun) {
      const stores = call.ctx.defs.map((d) => storeFor(call.ctx, d));
      await propagateDeletion(stores, r.object, call.def.namespaced, options.propagation, call.ctx.log);
    }
    deleted.push(r.object);
  }
  writeJson(call.res, 200, toList(call.def, deleted, resourceVersion));
}

async function serveStatus(call: Call): Promise<void> {
  const { verb, info, store } = call;
  if (verb === "get") return respondObject(call, 200, await store.get(info.namespace, info.name ?? ""));
  if (verb === "update") {
    const obj = asObject(await readObject(call.req, call.ctx, call.def), call.def);
    checkFields(call.def, obj, fieldValidationMode(call.query), call.res);
    const updated = await store.update(info.namespace, info.name ?? "", obj, {
      subresource: "status",
      dryRun: isDryRun(call.query),
    });
    return respondObject(call, 200, updated);
  }
  if (verb === "patch") return servePatch(call, "status");
  throw unsupported("MethodNotAllowed", `${call.def.plural}/status does not allow ${verb}`);
}

async function serveBinding(call: Call): Promise<void> {
  const { verb, info, store, ctx } = call;
  if (verb !== "create") throw unsupported("MethodNotAllowed", `pods/binding only allows create`);
  const name = info.name ?? "";
  const node = bindingTarget(await readObject(call.req, ctx, call.def), name);
  await store.guaranteedUpdate(
    info.namespace,
    name,
    (current) => bindPod(current as KubeObject, node, ctx.now()),
    {
      subresource: "binding",
      dryRun: isDryRun(call.query),
    },
  );
  writeJson(call.res, 201, { ...success(), code: 201 });
}

/** Finds the agent serving a pod: its node's address and port, and the container asked for. */
export async function agentTargetFor(
  ctx: ApiContext,
  namespace: string,
  name: string,
  container: string | null,
): Promise<AgentTarget> {
  const pods = ctx.store("", "pods");
  const nodes = ctx.store("", "nodes");
  if (pods === undefined || nodes === undefined)
    throw new BerthError(ErrorCode.Internal, "pods are not served");
  const pod = await pods.get(namespace, name);
  const chosen = pickContainer(pod, container);
  const nodeName =
    typeof pod["spec"] === "object" && isJsonObject(pod["spec"]) ? pod["spec"]["nodeName"] : undefined;
  if (typeof nodeName !== "string" || nodeName === "")
    throw badRequest(`pod ${name} does not have a host assigned`);
  const { host, port } = agentAddress(await nodes.get(undefined, nodeName));
  return { host, port, namespace, pod: name, container: chosen };
}

async function serveLog(call: Call): Promise<void> {
  if (call.verb !== "get") throw unsupported("MethodNotAllowed", "pods/log only allows get");
  const target = await agentTargetFor(
    call.ctx,
    call.info.namespace ?? "",
    call.info.name ?? "",
    call.query.get("container"),
  );
  const controller = new AbortController();
  call.res.on("close", () => controller.abort());
  await call.ctx.proxy.logs(call.res, target, call.query, controller.signal);
}
