export * from "./json-value.js";
export { applyMergePatch, createMergePatch } from "./merge-patch.js";
export * from "./json-patch.js";
export * from "./patch-schema.js";
export { applyStrategicMergePatch } from "./strategic-merge.js";
export { applyServerSideApply, FIELD_MANAGER_CONFLICT } from "./server-side-apply.js";
export type { ApplyOptions, ManagedFieldsEntry } from "./server-side-apply.js";
export type { FieldPath, PathElement } from "./fields-v1.js";
