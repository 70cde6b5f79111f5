/**
 * Serves the resource endpoints: verbs on a collection or an object, and the status, binding, log
 * and exec subresources. Every failure is thrown as a BerthError; handler.ts writes the Status.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { parseResourceVersion, type ResourceDefinition } from "../registry/index.js";
import type { UserInfo } from "./authn.js";
import type { ApiContext } from "./context.js";
import { wantsTable } from "./media.js";
import { checkFields, fieldValidationMode } from "./field-validation.js";
import type { ResourceRequest } from "./request-info.js";
import { writeJson } from "./respond.js";
import { unsupported } from "./status.js";
import { parseIncludeObject, toList, toTable } from "./table.js";
import { serveWatch } from "./watch.js";
import { admissionFor, respondObject, type Call } from "./call.js";
import { serveDelete, serveDeleteCollection } from "./delete-handler.js";
import { servePatch } from "./patch-handler.js";
import { serveScale } from "./scale-handler.js";
import {
  asObject,
  intParam,
  isDryRun,
  listRevision,
  readObject,
  storeFor,
  type Selection,
} from "./request-params.js";
import { serveBinding, serveFinalize, serveLog, serveStatus } from "./subresource-handler.js";
import { isReviewKind, serveReview } from "./review-handler.js";
import { isMetricsKind, serveMetrics } from "./metrics-handler.js";
import { stampRequester } from "./requester.js";

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
  if (isReviewKind(def)) return serveReview(call);
  if (isMetricsKind(def)) return serveMetrics(call);
  switch (info.subresource) {
    case undefined:
      return serveMain(call);
    case "status":
    case "approval":
      return serveStatus(call);
    case "binding":
      return serveBinding(call);
    case "log":
      return serveLog(call);
    case "scale":
      return serveScale(call);
    case "finalize":
      return serveFinalize(call);
    default:
      throw unsupported("MethodNotAllowed", `${def.plural}/${info.subresource} does not allow ${verb}`);
  }
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
      stampRequester(call.def, obj, call.user);
      const dryRun = isDryRun(query);
      const created = await store.create(ns, obj, { dryRun, admission: admissionFor(call, dryRun) });
      return respondObject(call, 201, created);
    }
    case "update": {
      const obj = asObject(await readObject(call.req, call.ctx, call.def), call.def);
      checkFields(call.def, obj, fieldValidationMode(query), call.res);
      const dryRun = isDryRun(query);
      const updated = await store.update(ns, info.name ?? "", obj, {
        dryRun,
        admission: admissionFor(call, dryRun),
      });
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
