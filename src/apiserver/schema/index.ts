/** Field schemas of the served kinds (from kubernetes-models' declarations) and unknown-field checks. */
export { kindSchema, type FieldSchema } from "./field-schema.js";
export { unknownFields } from "./unknown-fields.js";
