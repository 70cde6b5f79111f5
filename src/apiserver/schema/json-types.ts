/**
 * The JSON types of a request's object against its kind's schema, as kube-apiserver's decoder
 * checks them when it reads JSON into Go structs: a field of the wrong type refuses the request
 * ("json: cannot unmarshal number into Go struct field ... of type ..."), and a null is the
 * field's zero value, that is, as if the field were absent. Without this check a pod whose
 * `containers` is a number, or whose `command` is null, would be stored and reach the node agent.
 */
import type { FieldSchema } from "./field-schema.js";

export interface TypeMismatch {
  /** Where, as kube-apiserver prints a field path ("spec.containers[0].command"). */
  readonly path: string;
  /** The JSON type found: string, number, bool, array, object. */
  readonly found: string;
  /** What the schema wants there. */
  readonly want: string;
}

function jsonType(v: unknown): string {
  if (Array.isArray(v)) return "array";
  if (typeof v === "boolean") return "bool";
  return typeof v;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Go's integer fields: a number must be whole and fit. */
function isInteger(v: number): boolean {
  return Number.isSafeInteger(v);
}

/**
 * The first field of `value` whose JSON type the schema does not allow, or undefined; null-valued
 * fields of objects and maps are removed on the way (Go decodes them to the zero value).
 */
export function typeMismatch(value: unknown, schema: FieldSchema, path = ""): TypeMismatch | undefined {
  const at = (key: string) => (path === "" ? key : `${path}.${key}`);
  switch (schema.type) {
    case "any":
      return undefined;
    case "object": {
      if (!isObject(value)) return { path, found: jsonType(value), want: "object" };
      for (const [key, v] of Object.entries(value)) {
        if (v === null) {
          delete value[key];
          continue;
        }
        const field = schema.fields.get(key);
        if (field === undefined) continue;
        const bad = typeMismatch(v, field(), at(key));
        if (bad !== undefined) return bad;
      }
      return undefined;
    }
    case "map": {
      if (!isObject(value)) return { path, found: jsonType(value), want: "map" };
      for (const [key, v] of Object.entries(value)) {
        if (v === null) {
          delete value[key];
          continue;
        }
        const bad = typeMismatch(v, schema.values, `${path}[${key}]`);
        if (bad !== undefined) return bad;
      }
      return undefined;
    }
    case "array": {
      if (!Array.isArray(value)) return { path, found: jsonType(value), want: "array" };
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        // null in a list of objects decodes to the zero object; elsewhere it is refused below.
        if (item === null && schema.items.type === "object") {
          value[i] = {};
          continue;
        }
        const bad = typeMismatch(item, schema.items, `${path}[${i}]`);
        if (bad !== undefined) return bad;
      }
      return undefined;
    }
    case "scalar": {
      const t = typeof value;
      if (t === "string" && schema.kinds.has("string")) return undefined;
      if (t === "boolean" && schema.kinds.has("boolean")) return undefined;
      if (t === "number" && schema.kinds.has("number")) {
        if (schema.kinds.has("string") || isInteger(value as number)) return undefined;
        return { path, found: `number ${String(value)}`, want: "integer" };
      }
      return { path, found: jsonType(value), want: [...schema.kinds].join(" or ") };
    }
  }
}
