/**
 * Kubernetes strategic merge patch (`application/strategic-merge-patch+json`).
 *
 * Compare with apimachinery pkg/util/strategicpatch/patch.go (mergeMap, mergeSlice,
 * mergeSliceWithSpecialElements, deleteFromSlice, normalizeElementOrder). Rules:
 * - objects merge key by key; `null` deletes a key;
 * - lists with strategy "merge" and a merge key merge item by item (matching items merge
 *   recursively, new ones are appended); merge lists of primitives become a union;
 *   every other list is replaced wholesale;
 * - directives: `$patch: replace | merge | delete` in a map, `{"$patch": "replace"}` or
 *   `{"$patch": "delete", <key>: v}` inside a list, `$setElementOrder/<field>`,
 *   `$deleteFromPrimitiveList/<field>`, `$retainKeys`.
 * Malformed directives are BadRequest, with upstream's words where it has them. berth is stricter in
 * one place: an unknown "$"-prefixed key is refused instead of being stored as a field.
 */
import { BerthError, ErrorCode } from "../../common/index.js";
import { canonicalJson, clone, isObject, type JsonObject, type JsonValue } from "./json-value.js";
import { fieldSchema, type PatchSchema } from "./patch-schema.js";

const PATCH_DIRECTIVE = "$patch";
const RETAIN_KEYS = "$retainKeys";
const SET_ELEMENT_ORDER = "$setElementOrder/";
const DELETE_FROM_PRIMITIVE_LIST = "$deleteFromPrimitiveList/";

function badRequest(message: string): BerthError {
  return new BerthError(ErrorCode.BadRequest, message);
}

/** Renders a JSON value as Go's %v does for decoded JSON, for messages worded as upstream's. */
function goValue(value: JsonValue | undefined): string {
  if (value === null || value === undefined) return "<nil>";
  if (Array.isArray(value)) return `[${value.map(goValue).join(" ")}]`;
  if (isObject(value)) {
    const keys = Object.keys(value).sort();
    return `map[${keys.map((k) => `${k}:${goValue(value[k])}`).join(" ")}]`;
  }
  return String(value);
}

/** mergepatch.ErrBadPatchType */
function badPatchType(directive: JsonValue | undefined, map: JsonObject): BerthError {
  return badRequest(`unknown patch type: ${goValue(directive)} in map: ${goValue(map)}`);
}

/** Applies a strategic merge patch to a copy of `target`. */
export function applyStrategicMergePatch(
  target: unknown,
  patch: unknown,
  schema: PatchSchema | undefined,
): JsonValue {
  if (!isObject(patch)) throw badRequest("strategic merge patch must be a JSON object");
  const original = isObject(target) ? clone(target) : {};
  return mergeMap(original, patch, schema);
}

function mergeMap(original: JsonObject, patch: JsonObject, schema: PatchSchema | undefined): JsonObject {
  const directive = patch[PATCH_DIRECTIVE];
  if (directive !== undefined) {
    if (directive === "replace")
      return stripDirectives(withoutKey(patch, PATCH_DIRECTIVE), schema) as JsonObject;
    if (directive === "delete") return {};
    // "merge" is accepted as the default behaviour (upstream only knows it for lists).
    if (directive !== "merge") throw badPatchType(directive, patch);
  }
  const retain = patch[RETAIN_KEYS];
  if (retain !== undefined) {
    if (!Array.isArray(retain) || !retain.every((k) => typeof k === "string")) {
      throw badRequest(`invalid value for ${RETAIN_KEYS}: must be a list of strings`);
    }
    // applyRetainKeysDirective: every field the patch sets must be retained.
    for (const [key, value] of Object.entries(patch)) {
      if (value === null || key.startsWith("$")) continue;
      if (!retain.includes(key)) throw badRequest("invalid patch format of retainKeys");
    }
    for (const key of Object.keys(original)) if (!retain.includes(key)) delete original[key];
  }
  // The server's order of each list a $setElementOrder directive names, before anything changes.
  const serverOrders = new Map<string, JsonValue[]>();
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(SET_ELEMENT_ORDER)) continue;
    const field = key.slice(SET_ELEMENT_ORDER.length);
    const current = original[field];
    serverOrders.set(field, Array.isArray(current) ? [...current] : []);
  }
  // $deleteFromPrimitiveList/<field> first, then ordinary keys, then $setElementOrder/<field>.
  for (const [key, value] of Object.entries(patch)) {
    if (!key.startsWith(DELETE_FROM_PRIMITIVE_LIST)) continue;
    const field = key.slice(DELETE_FROM_PRIMITIVE_LIST.length);
    if (!Array.isArray(value)) throw badRequest(`invalid value for ${key}: must be a list`);
    const current = original[field];
    if (Array.isArray(current)) {
      const deleted = new Set(value.map(canonicalJson));
      original[field] = current.filter((item) => !deleted.has(canonicalJson(item)));
    }
  }
  for (const [key, value] of Object.entries(patch)) {
    if (key === PATCH_DIRECTIVE || key === RETAIN_KEYS) continue;
    if (key.startsWith(DELETE_FROM_PRIMITIVE_LIST) || key.startsWith(SET_ELEMENT_ORDER)) continue;
    if (key.startsWith("$"))
      throw badRequest(`unknown directive ${JSON.stringify(key)} in strategic merge patch`);
    if (value === null) {
      delete original[key];
      continue;
    }
    const sub = fieldSchema(schema, key);
    const current = original[key];
    if (isObject(value)) {
      original[key] = mergeMap(isObject(current) ? current : {}, value, sub);
    } else if (Array.isArray(value)) {
      original[key] = mergeList(Array.isArray(current) ? current : [], value, sub, key);
    } else {
      original[key] = value;
    }
  }
  for (const [key, value] of Object.entries(patch)) {
    if (!key.startsWith(SET_ELEMENT_ORDER)) continue;
    const field = key.slice(SET_ELEMENT_ORDER.length);
    if (!Array.isArray(value)) throw badRequest(`invalid value for ${key}: must be a list`);
    const current = original[field];
    if (Array.isArray(current)) {
      original[field] = normalizeElementOrder(
        current,
        value,
        serverOrders.get(field) ?? [],
        fieldSchema(schema, field).mergeKey,
      );
    }
  }
  return original;
}

function withoutKey(obj: JsonObject, key: string): JsonObject {
  const copy = { ...obj };
  delete copy[key];
  return copy;
}

/** A patch value used as-is (for replace): directives removed, recursively. */
function stripDirectives(value: JsonValue, schema: PatchSchema | undefined): JsonValue {
  if (Array.isArray(value)) {
    return value
      .filter((item) => !(isObject(item) && item[PATCH_DIRECTIVE] !== undefined))
      .map((item) => stripDirectives(item, schema?.items));
  }
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const [key, item] of Object.entries(value)) {
    if (key.startsWith("$")) continue;
    out[key] = stripDirectives(item, fieldSchema(schema, key));
  }
  return out;
}

function mergeList(
  original: JsonValue[],
  patch: JsonValue[],
  schema: PatchSchema,
  field: string,
): JsonValue[] {
  // A {"$patch": "replace"} element replaces the whole list with the other elements.
  const replaceMarker = patch.findIndex((item) => isObject(item) && item[PATCH_DIRECTIVE] === "replace");
  if (replaceMarker >= 0) {
    return patch.filter((_, i) => i !== replaceMarker).map((item) => stripDirectives(item, schema.items));
  }
  if (schema.strategy !== "merge") return patch.map((item) => stripDirectives(item, schema.items));
  const mergeKey = schema.mergeKey;
  if (mergeKey === undefined) {
    // Merge of primitives: a set union keeping the original order, new values appended.
    const result = [...original];
    const present = new Set(original.map(canonicalJson));
    for (const item of patch) {
      if (isObject(item))
        throw badRequest(`merging an object in a list of primitives is not supported (${field})`);
      const identity = canonicalJson(item);
      if (present.has(identity)) continue;
      present.add(identity);
      result.push(item);
    }
    return result;
  }
  // Items are found by their merge key through an index (a list may hold thousands, as env can);
  // a deleted item leaves a hole until the end, so positions stay valid. Where keys repeat, the
  // first item still present is the one merged or deleted.
  const result: (JsonValue | undefined)[] = [...original];
  const positions = new Map<string, number[]>();
  const remember = (identity: string, index: number): void => {
    const list = positions.get(identity);
    if (list === undefined) positions.set(identity, [index]);
    else list.push(index);
  };
  original.forEach((existing, i) => {
    const key = isObject(existing) ? existing[mergeKey] : undefined;
    if (key !== undefined) remember(canonicalJson(key), i);
  });
  for (const item of patch) {
    if (!isObject(item)) {
      throw badRequest(`unable to find api field in struct ${field} for the json field "${String(item)}"`);
    }
    const keyValue = item[mergeKey];
    if (keyValue === undefined) {
      throw badRequest(`map: ${goValue(item)} does not contain declared merge key: ${mergeKey}`);
    }
    const identity = canonicalJson(keyValue);
    const index = positions.get(identity)?.[0];
    const directive = item[PATCH_DIRECTIVE];
    if (directive === "delete") {
      if (index !== undefined) {
        result[index] = undefined;
        positions.get(identity)?.shift();
      }
      continue;
    }
    if (directive === "merge") throw badRequest("merging lists cannot yet be specified in the patch");
    if (directive !== undefined && directive !== "replace") throw badPatchType(directive, item);
    const existing = index !== undefined ? result[index] : undefined;
    const merged = mergeMap(isObject(existing) ? clone(existing) : {}, item, schema.items);
    if (index !== undefined) {
      result[index] = merged;
    } else {
      result.push(merged);
      remember(identity, result.length - 1);
    }
  }
  return result.filter((item): item is JsonValue => item !== undefined);
}

/**
 * normalizeElementOrder and mergeSortedSlice: the items the order list names ("patch" items) are
 * sorted by it, the others ("server-only") keep the server's order, and the two sequences are
 * interleaved by the server's order where both items are known to it.
 */
function normalizeElementOrder(
  merged: JsonValue[],
  patchOrder: JsonValue[],
  serverOrder: JsonValue[],
  mergeKey: string | undefined,
): JsonValue[] {
  // Items are compared by their merge key (the item itself in a list of primitives); "" stands for
  // an item without one, which matches the first such entry, as a linear search would.
  const identities = new Map<JsonValue, string>();
  const identityOf = (item: JsonValue): string => {
    let identity = identities.get(item);
    if (identity === undefined) {
      const key = mergeKey === undefined ? item : isObject(item) ? item[mergeKey] : undefined;
      identity = key === undefined ? "" : canonicalJson(key);
      identities.set(item, identity);
    }
    return identity;
  };
  const firstPositions = (list: JsonValue[]): Map<string, number> => {
    const positions = new Map<string, number>();
    list.forEach((entry, i) => {
      const identity = identityOf(entry);
      if (!positions.has(identity)) positions.set(identity, i);
    });
    return positions;
  };
  const inPatch = firstPositions(patchOrder);
  const inServer = firstPositions(serverOrder);
  const indexIn = (positions: Map<string, number>, item: JsonValue): number =>
    positions.get(identityOf(item)) ?? -1;
  const byIndex = (positions: Map<string, number>) => (a: JsonValue, b: JsonValue) =>
    indexIn(positions, a) - indexIn(positions, b);
  const named = merged.filter((item) => indexIn(inPatch, item) >= 0).sort(byIndex(inPatch));
  const serverOnly = merged.filter((item) => indexIn(inPatch, item) < 0).sort(byIndex(inServer));
  const out: JsonValue[] = [];
  let i = 0;
  let j = 0;
  while (i < serverOnly.length || j < named.length) {
    const left = serverOnly[i];
    const right = named[j];
    if (left === undefined) {
      out.push(right as JsonValue);
      j++;
    } else if (right === undefined) {
      out.push(left);
      i++;
    } else {
      const li = indexIn(inServer, left);
      const ri = indexIn(inServer, right);
      if (li >= 0 && ri >= 0 && ri < li) {
        out.push(right);
        j++;
      } else {
        out.push(left);
        i++;
      }
    }
  }
  return out;
}
