/** PATCH on an object or its status: read, patch, check fields, write with retries. */
import { parseBody, readBody } from "./body.js";
import { mediaType } from "./media.js";
import { checkFields, fieldValidationMode } from "./field-validation.js";
import { applyPatch, patchType } from "./patch.js";
import { admissionFor, respondObject, type Call } from "./call.js";
import { isDryRun } from "./request-params.js";

export async function servePatch(call: Call, subresource: "status" | undefined): Promise<void> {
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
  const dryRun = isDryRun(query);
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
      ...(subresource ? { subresource } : { admission: admissionFor(call, dryRun) }),
      dryRun,
      allowCreate: isApply && subresource === undefined,
    },
  );
  respondObject(call, created ? 201 : 200, result);
}
