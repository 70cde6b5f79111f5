/**
 * DELETE of an object or a collection: options, preconditions, grace, and the propagation policy
 * as kube-apiserver records it: Orphan and Foreground add the orphan or foregroundDeletion
 * finalizer and keep the object for the garbage collector; Background removes it and leaves its
 * dependents to the garbage collector. A namespace turns Terminating until the namespace
 * controller has emptied it.
 */
import { BerthError, ErrorCode } from "../../common/errors.js";
import { badRequest, isJsonObject, type KubeObject } from "../registry/index.js";
import { parseBody, readBody } from "./body.js";
import { JSON_TYPE, mediaType } from "./media.js";
import { PROPAGATION_POLICIES, finalizersFor, type PropagationPolicy } from "./propagation.js";
import { writeJson } from "./respond.js";
import { toList } from "./table.js";
import { respondObject, type Call } from "./call.js";
import { intParam, isDryRun } from "./request-params.js";

/** Namespaces kube-apiserver refuses to delete. */
const IMMORTAL_NAMESPACES = new Set(["default", "kube-system", "kube-public"]);

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

export async function serveDelete(call: Call): Promise<void> {
  const { info, store, def } = call;
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
  const result = await store.delete(info.namespace, name, {
    ...options,
    finalizers: finalizersFor(options.propagation),
  });
  respondObject(call, result.removed ? 200 : 202, result.object);
}

export async function serveDeleteCollection(call: Call): Promise<void> {
  const { info, store, select } = call;
  const options = await deleteOptions(call);
  const { items, resourceVersion } = await store.list(
    info.namespace,
    select.filter ? { filter: select.filter } : {},
  );
  const deleted: KubeObject[] = [];
  for (const obj of items) {
    const r = await store.delete(obj.metadata.namespace, obj.metadata.name ?? "", {
      ...options,
      finalizers: finalizersFor(options.propagation),
    });
    deleted.push(r.object);
  }
  writeJson(call.res, 200, toList(call.def, deleted, resourceVersion));
}
