/** The status, binding and log subresources, and finding the agent that serves a pod. */
import { BerthError, ErrorCode } from "../../common/errors.js";
import { badRequest, bindPod, bindingTarget, isJsonObject, type KubeObject } from "../registry/index.js";
import { agentAddress, pickContainer, type AgentTarget } from "./agent-target.js";
import type { ApiContext } from "./context.js";
import { checkFields, fieldValidationMode } from "./field-validation.js";
import { writeJson } from "./respond.js";
import { success, unsupported } from "./status.js";
import { respondObject, type Call } from "./call.js";
import { servePatch } from "./patch-handler.js";
import { asObject, isDryRun, readObject } from "./request-params.js";

export async function serveStatus(call: Call): Promise<void> {
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

/** PUT namespaces/NAME/finalize: only spec.finalizers change; a Terminating namespace with none left goes. */
export async function serveFinalize(call: Call): Promise<void> {
  const { verb, info, store } = call;
  if (verb !== "update")
    throw unsupported("MethodNotAllowed", `${call.def.plural}/finalize only allows update`);
  const body = asObject(await readObject(call.req, call.ctx, call.def), call.def);
  const wanted = isJsonObject(body["spec"]) ? body["spec"]["finalizers"] : undefined;
  const updated = await store.guaranteedUpdate(
    info.namespace,
    info.name ?? "",
    (current) => {
      const next = current as KubeObject;
      const spec = isJsonObject(next["spec"]) ? next["spec"] : {};
      if (Array.isArray(wanted) && wanted.length > 0) spec["finalizers"] = wanted;
      else delete spec["finalizers"];
      next["spec"] = spec;
      const rv = body.metadata.resourceVersion;
      if (typeof rv === "string" && rv !== "") next.metadata.resourceVersion = rv;
      return next;
    },
    { subresource: "finalize", dryRun: isDryRun(call.query) },
  );
  respondObject(call, 200, updated);
}

export async function serveBinding(call: Call): Promise<void> {
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

/**
 * Finds the agent serving a pod: its node's address and port, and the container asked for
 * (undefined: no container, as for port-forward).
 */
export async function agentTargetFor(
  ctx: ApiContext,
  namespace: string,
  name: string,
  container: string | null | undefined,
): Promise<AgentTarget> {
  const pods = ctx.store("", "pods");
  const nodes = ctx.store("", "nodes");
  if (pods === undefined || nodes === undefined)
    throw new BerthError(ErrorCode.Internal, "pods are not served");
  const pod = await pods.get(namespace, name);
  const chosen = container === undefined ? "" : pickContainer(pod, container);
  const nodeName =
    typeof pod["spec"] === "object" && isJsonObject(pod["spec"]) ? pod["spec"]["nodeName"] : undefined;
  if (typeof nodeName !== "string" || nodeName === "")
    throw badRequest(`pod ${name} does not have a host assigned`);
  const { host, port } = agentAddress(await nodes.get(undefined, nodeName));
  return { host, port, namespace, pod: name, container: chosen };
}

export async function serveLog(call: Call): Promise<void> {
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
