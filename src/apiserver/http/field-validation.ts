/**
 * fieldValidation (Strict, Warn, Ignore): unknown fields in a request's object are a 400 with
 * Strict (kubectl's default), a Warning header with Warn (the server default), and are dropped in
 * every case but Strict, as kube-apiserver drops them when decoding.
 */
import type { ServerResponse } from "node:http";
import { BerthError, ErrorCode } from "../../common/errors.js";
import { badRequest, type ResourceDefinition } from "../registry/index.js";
import { kindSchema, typeMismatch, unknownFields, type FieldSchema } from "../schema/index.js";
import { addWarning } from "./warnings.js";

export type FieldValidation = "Strict" | "Warn" | "Ignore";

const MODES: readonly FieldValidation[] = ["Strict", "Warn", "Ignore"];
const schemas = new Map<ResourceDefinition, FieldSchema | undefined>();

export function fieldValidationMode(query: URLSearchParams): FieldValidation {
  const v = query.get("fieldValidation");
  if (v === null || v === "") return "Warn";
  const found = MODES.find((m) => m === v);
  if (found === undefined) {
    throw badRequest(`fieldValidation must be one of ${MODES.join(", ")}, not ${JSON.stringify(v)}`);
  }
  return found;
}

function schemaOf(def: ResourceDefinition): FieldSchema | undefined {
  if (!schemas.has(def)) schemas.set(def, kindSchema(def.group, def.version, def.kind));
  return schemas.get(def);
}

/**
 * Checks the JSON types of `obj` (dropping null fields, as decoding does) and its unknown fields
 * (pruned unless Strict) in place; warnings go on `res`.
 */
export function checkFields(
  def: ResourceDefinition,
  obj: unknown,
  mode: FieldValidation,
  res: ServerResponse,
): void {
  const schema = schemaOf(def);
  if (schema === undefined) return;
  const bad = typeMismatch(obj, schema);
  if (bad !== undefined) {
    // kube-apiserver: the decoder's error, wrapped as "X in version V cannot be handled as a X".
    throw new BerthError(
      ErrorCode.BadRequest,
      `${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: json: cannot unmarshal ` +
        `${bad.found} into Go struct field ${def.kind}.${bad.path} of type ${bad.want}`,
    );
  }
  const unknown = unknownFields(obj, schema, mode !== "Strict");
  if (unknown.length === 0) return;
  if (mode === "Strict") {
    throw new BerthError(
      ErrorCode.BadRequest,
      `strict decoding error: ${unknown.map((p) => `unknown field "${p}"`).join(", ")}`,
    );
  }
  if (mode === "Warn") for (const p of unknown) addWarning(res, `unknown field "${p}"`);
}
