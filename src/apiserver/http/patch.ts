/** PATCH dispatch: the Content-Type picks merge, strategic merge, JSON patch or server-side apply. */
import { BerthError, ErrorCode } from "../../common/errors.js";
import {
  applyJsonPatch,
  applyMergePatch,
  applyServerSideApply,
  applyStrategicMergePatch,
  patchSchemaFor,
} from "../patch/index.js";
import { apiVersionOf, isJsonObject, type KubeObject, type ResourceDefinition } from "../registry/index.js";
import { APPLY_PATCH, JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH } from "./media.js";
import { unsupported } from "./status.js";

export const PATCH_TYPES = [JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH, APPLY_PATCH] as const;
export type PatchType = (typeof PATCH_TYPES)[number];

export function patchType(mediaType: string): PatchType {
  const found = PATCH_TYPES.find((t) => t === mediaType);
  if (found === undefined) {
    throw unsupported(
      "UnsupportedMediaType",
      `the body of the request was in an unknown format - accepted media types include: ${PATCH_TYPES.join(", ")}`,
    );
  }
  return found;
}

export interface PatchOptions {
  readonly fieldManager?: string;
  readonly force: boolean;
  readonly now: Date;
}

/** The patched object; `current` is undefined only for an apply that creates. */
export function applyPatch(
  def: ResourceDefinition,
  type: PatchType,
  current: KubeObject | undefined,
  patch: unknown,
  opts: PatchOptions,
): KubeObject {
  const apiVersion = apiVersionOf(def);
  let result: unknown;
  if (type === APPLY_PATCH) {
    if (isJsonObject(patch) && (patch["apiVersion"] !== apiVersion || patch["kind"] !== def.kind)) {
      throw new BerthError(
        ErrorCode.BadRequest,
        `the apply configuration is for ${String(patch["apiVersion"])}, Kind=${String(patch["kind"])}, not ${apiVersion}, Kind=${def.kind}`,
      );
    }
    result = applyServerSideApply(current, patch, {
      fieldManager: opts.fieldManager ?? "",
      force: opts.force,
      now: opts.now,
    });
  } else {
    if (current === undefined) throw new BerthError(ErrorCode.Internal, "patch of a missing object");
    if (type === JSON_PATCH) result = applyJsonPatch(current, patch);
    else if (!isJsonObject(patch))
      throw new BerthError(ErrorCode.BadRequest, "the patch must be a JSON object");
    else if (type === MERGE_PATCH) result = applyMergePatch(current, patch);
    else result = applyStrategicMergePatch(current, patch, patchSchemaFor(apiVersion, def.kind));
  }
  if (!isJsonObject(result) || !isJsonObject(result["metadata"])) {
    throw new BerthError(ErrorCode.BadRequest, "the patched object has no metadata");
  }
  return result as KubeObject;
}
