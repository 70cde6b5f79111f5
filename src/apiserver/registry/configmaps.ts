/** core/v1 ConfigMap: data and binaryData, nothing else to default. */
import { AGE_COLUMN, NAME_COLUMN, column } from "./columns.js";
import { age } from "./age.js";
import { isJsonObject, type KubeObject } from "./object.js";
import { ALL_VERBS, type ResourceDefinition } from "./resource.js";
import { forbidden, invalid, tooLong } from "./validation.js";
import type { ErrorCause } from "../../common/errors.js";

/** A key in data/binaryData/stringData: letters, digits, '-', '_' and '.' (IsConfigMapKey). */
export function validateDataKeys(obj: KubeObject, field: string): ErrorCause[] {
  const data = obj[field];
  if (data === undefined) return [];
  if (!isJsonObject(data)) return [invalid(field, data, "must be an object")];
  const causes: ErrorCause[] = [];
  for (const key of Object.keys(data)) {
    if (!/^[-._a-zA-Z0-9]+$/.test(key) || key === "." || key === ".." || key.length > 253) {
      causes.push(
        invalid(
          `${field}[${key}]`,
          key,
          "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
        ),
      );
    }
  }
  return causes;
}

/** core: MaxSecretSize, the most data a ConfigMap or a Secret holds (1 MiB). */
export const MAX_SECRET_SIZE_BYTES = 1024 * 1024;

/** The bytes of a base64 value once decoded (binaryData, Secret data). */
export function decodedLength(value: unknown): number {
  return typeof value === "string" ? Buffer.from(value, "base64").byteLength : 0;
}

/** ValidateConfigMap: data and binaryData together at most MaxSecretSize, a cause on the whole object. */
function dataSize(obj: KubeObject): ErrorCause[] {
  let total = 0;
  if (isJsonObject(obj["data"])) {
    for (const v of Object.values(obj["data"])) if (typeof v === "string") total += Buffer.byteLength(v);
  }
  if (isJsonObject(obj["binaryData"])) {
    for (const v of Object.values(obj["binaryData"])) total += decodedLength(v);
  }
  // field.NewPath("") prints as "[]".
  return total > MAX_SECRET_SIZE_BYTES ? [tooLong("[]", MAX_SECRET_SIZE_BYTES)] : [];
}

/** An object marked immutable keeps its data, binaryData and immutable flag forever. */
export function immutableData(obj: KubeObject, old: KubeObject | undefined): ErrorCause[] {
  if (old === undefined || old["immutable"] !== true) return [];
  const causes: ErrorCause[] = [];
  if (obj["immutable"] !== true)
    causes.push(forbidden("immutable", "field is immutable when `immutable` is set"));
  for (const field of ["data", "binaryData"]) {
    if (JSON.stringify(obj[field] ?? {}) !== JSON.stringify(old[field] ?? {})) {
      causes.push(forbidden(field, "field is immutable when `immutable` is set"));
    }
  }
  return causes;
}

function dataCount(obj: KubeObject): number {
  const a = isJsonObject(obj["data"]) ? Object.keys(obj["data"]).length : 0;
  const b = isJsonObject(obj["binaryData"]) ? Object.keys(obj["binaryData"]).length : 0;
  return a + b;
}

export const configmaps: ResourceDefinition = {
  group: "",
  version: "v1",
  kind: "ConfigMap",
  plural: "configmaps",
  singular: "configmap",
  shortNames: ["cm"],
  namespaced: true,
  verbs: ALL_VERBS,
  subresources: [],
  validate(obj, old) {
    const causes = [...validateDataKeys(obj, "data"), ...validateDataKeys(obj, "binaryData")];
    if (isJsonObject(obj["data"])) {
      for (const [k, v] of Object.entries(obj["data"])) {
        if (typeof v !== "string") causes.push(invalid(`data[${k}]`, v, "must be a string"));
      }
    }
    causes.push(...dataSize(obj), ...immutableData(obj, old));
    return causes;
  },
  table: {
    columns: [NAME_COLUMN, column("Data", "Number of data entries", 0, "integer"), AGE_COLUMN],
    cells: (obj, now) => [obj.metadata.name, dataCount(obj), age(obj.metadata.creationTimestamp, now)],
  },
};
