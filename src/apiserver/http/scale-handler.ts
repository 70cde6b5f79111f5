/** GET, PUT and PATCH of a workload's scale subresource (autoscaling/v1 Scale). */
import { applyJsonPatch, applyMergePatch } from "../patch/index.js";
import { badRequest, isJsonObject, scaleOf, withScale, type KubeObject } from "../registry/index.js";
import { parseBody, readBody } from "./body.js";
import type { Call } from "./call.js";
import { JSON_PATCH, mediaType } from "./media.js";
import { patchType } from "./patch.js";
import { isDryRun, readObject } from "./request-params.js";
import { writeJson } from "./respond.js";
import { unsupported } from "./status.js";

export async function serveScale(call: Call): Promise<void> {
  const { verb, info, store, query } = call;
  const name = info.name ?? "";
  if (verb === "get") return writeJson(call.res, 200, scaleOf(await store.get(info.namespace, name)));
  let change: (current: KubeObject) => KubeObject;
  if (verb === "update") {
    const scale: unknown = await readObject(call.req, call.ctx, call.def);
    change = (current) => withScale(current, scale);
  } else if (verb === "patch") {
    const type = patchType(mediaType(call.req.headers["content-type"]));
    if (type === "application/apply-patch+yaml") {
      throw unsupported("UnsupportedMediaType", "apply patches are not supported on the scale subresource");
    }
    const patch = parseBody(await readBody(call.req, call.ctx.maxBodyBytes), type);
    change = (current) => {
      const scale = scaleOf(current);
      let patched: unknown;
      if (type === JSON_PATCH) patched = applyJsonPatch(scale, patch);
      else if (isJsonObject(patch)) patched = applyMergePatch(scale, patch);
      else throw badRequest("the patch must be a JSON object");
      // a patch works on the current object: its resourceVersion is no precondition
      if (isJsonObject(patched) && isJsonObject(patched["metadata"]) && isJsonObject(patch)) {
        const wanted = isJsonObject(patch["metadata"]) ? patch["metadata"]["resourceVersion"] : undefined;
        if (wanted === undefined) delete patched["metadata"]["resourceVersion"];
      }
      return withScale(current, patched);
    };
  } else {
    throw unsupported("MethodNotAllowed", `${call.def.plural}/scale does not allow ${verb}`);
  }
  const updated = await store.guaranteedUpdate(
    info.namespace,
    name,
    (current) => change(current as KubeObject),
    {
      dryRun: isDryRun(query),
    },
  );
  writeJson(call.res, 200, scaleOf(updated));
}
