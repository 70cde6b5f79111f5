/** Unknown fields: found (for fieldValidation=Strict and Warn) and pruned, as kube-apiserver does. */
import type { FieldSchema } from "./field-schema.js";

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Paths of fields the schema does not know, as kube-apiserver prints them ("spec.containers[0].x"),
 * and, with prune, those fields removed from `value`.
 */
export function unknownFields(value: unknown, schema: FieldSchema, prune: boolean, path = ""): string[] {
  const out: string[] = [];
  switch (schema.type) {
    case "object": {
      if (!isObject(value)) return out;
      for (const key of Object.keys(value)) {
        const field = schema.fields.get(key);
        const here = path === "" ? key : `${path}.${key}`;
        if (field === undefined) {
          out.push(here);
          if (prune) delete value[key];
        } else {
          out.push(...unknownFields(value[key], field(), prune, here));
        }
      }
      return out;
    }
    case "array":
      if (Array.isArray(value))
        value.forEach((v, i) => out.push(...unknownFields(v, schema.items, prune, `${path}[${i}]`)));
      return out;
    case "map":
      if (isObject(value)) {
        for (const [k, v] of Object.entries(value))
          out.push(...unknownFields(v, schema.values, prune, `${path}[${k}]`));
      }
      return out;
    default:
      return out;
  }
}
