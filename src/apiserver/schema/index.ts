/** Field schemas of the served kinds (from kubernetes-models' declarations) and unknown-field checks. */
export { kindSchema, type FieldSchema, type ScalarKind } from "./field-schema.js";
export { unknownFields } from "./unknown-fields.js";
export { typeMismatch, type TypeMismatch } from "./json-types.js";
export {
  componentSchemas,
  definitionName,
  PATCH_BODY_SCHEMA,
  type OpenApiSchema,
  type ServedKind,
} from "./openapi-schemas.js";
