/**
 * JSON merge patch (RFC 7386), as kube-apiserver applies `application/merge-patch+json`
 * (evanphx/json-patch MergePatch): objects merge key by key, null deletes a key, anything else
 * (arrays included) replaces. A non-object patch replaces the whole target.
 */
import { clone, deepEqual, isObject, type JsonValue } from "./json-value.js";

export function applyMergePatch(target: unknown, patch: unknown): JsonValue {
  if (!isObject(patch)) return clone(patch as JsonValue);
  const result: Record<string, JsonValue> = isObject(target) ? clone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

/** The merge patch that turns `from` into `to` (RFC 7386 section 2, used to build tests and diffs). */
export function createMergePatch(from: unknown, to: unknown): JsonValue {
  if (!isObject(from) || !isObject(to)) return clone(to as JsonValue);
  const patch: Record<string, JsonValue> = {};
  for (const key of Object.keys(from)) if (!Object.hasOwn(to, key)) patch[key] = null;
  for (const [key, value] of Object.entries(to)) {
    const before = from[key];
    if (before === undefined) patch[key] = clone(value);
    else if (isObject(before) && isObject(value)) {
      const sub = createMergePatch(before, value);
      if (isObject(sub) && Object.keys(sub).length > 0) patch[key] = sub;
    } else if (!deepEqual(before, value)) patch[key] = clone(value);
  }
  return patch;
}
