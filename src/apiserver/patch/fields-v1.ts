/**
 * Field sets in the FieldsV1 form that metadata.managedFields carries.
 *
 * Compare with sigs.k8s.io/structured-merge-diff fieldpath (PathElement, Set, serialize-pe.go):
 * `f:<name>` a field, `k:<json>` a list item identified by its key fields, `v:<json>` a member of a
 * set-like list, `.` the item itself. berth derives associative-list keys from the strategic-merge
 * merge key (one field), where structured-merge-diff uses x-kubernetes-list-map-keys (for
 * containers[].ports that is containerPort and protocol).
 */
import { isObject, type JsonObject, type JsonValue } from "./json-value.js";
import { fieldSchema, type PatchSchema } from "./patch-schema.js";

export type PathElement =
  | { readonly field: string }
  | { readonly key: Readonly<Record<string, JsonValue>> }
  | { readonly value: JsonValue };

/** A leaf path in an object. */
export type FieldPath = readonly PathElement[];

/** metadata and top-level fields that are never owned (fieldmanager's reset and ignored fields). */
const IGNORED_TOP = new Set(["apiVersion", "kind", "status"]);
const IGNORED_META = new Set([
  "name",
  "namespace",
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "managedFields",
  "selfLink",
]);

function sortedJson(obj: Readonly<Record<string, JsonValue>>): string {
  const keys = Object.keys(obj).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(obj[k])}`).join(",")}}`;
}

export function elementToString(el: PathElement): string {
  if ("field" in el) return `f:${el.field}`;
  if ("key" in el) return `k:${sortedJson(el.key)}`;
  return `v:${JSON.stringify(el.value)}`;
}

/** Human form used in conflict messages: `.spec.containers[name="c"].image`. */
export function pathToString(path: FieldPath): string {
  return path
    .map((el) => {
      if ("field" in el) return `.${el.field}`;
      if ("key" in el) {
        return `[${Object.entries(el.key)
          .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
          .join(",")}]`;
      }
      return `[=${JSON.stringify(el.value)}]`;
    })
    .join("");
}

export function pathKey(path: FieldPath): string {
  return path.map(elementToString).join("\u0000");
}

/**
 * The leaf paths an object sets, with list items as their own entries ("."). "main" leaves out
 * apiVersion, kind, status and server-owned metadata; "status" covers .status only.
 */
export function leafPaths(
  obj: JsonObject,
  schema: PatchSchema | undefined,
  scope: "main" | "status" = "main",
): FieldPath[] {
  const out: FieldPath[] = [];
  if (scope === "main") walkObject(obj, schema, [], out, true);
  else {
    // The status subresource owns .status only.
    const status = obj["status"];
    if (isObject(status) && Object.keys(status).length > 0) {
      walkObject(status, fieldSchema(schema, "status"), [{ field: "status" }], out, false);
    }
  }
  return out;
}

function walkObject(
  obj: JsonObject,
  schema: PatchSchema | undefined,
  prefix: PathElement[],
  out: FieldPath[],
  top: boolean,
) {
  for (const [name, value] of Object.entries(obj)) {
    if (top && IGNORED_TOP.has(name)) continue;
    if (top && name === "metadata") {
      if (isObject(value)) walkObject(value, fieldSchema(schema, name), [{ field: name }], out, false);
      continue;
    }
    if (prefix.length === 1 && top === false && isMetadataPrefix(prefix) && IGNORED_META.has(name)) continue;
    const path = [...prefix, { field: name }];
    walkValue(value, fieldSchema(schema, name), path, out);
  }
}

function isMetadataPrefix(prefix: PathElement[]): boolean {
  const first = prefix[0];
  return first !== undefined && "field" in first && first.field === "metadata";
}

function walkValue(value: JsonValue, schema: PatchSchema, path: PathElement[], out: FieldPath[]) {
  if (isObject(value) && Object.keys(value).length > 0) {
    walkObject(value, schema, path, out, false);
    return;
  }
  if (Array.isArray(value) && schema.strategy === "merge") {
    const mergeKey = schema.mergeKey;
    for (const item of value) {
      if (mergeKey !== undefined && isObject(item) && item[mergeKey] !== undefined) {
        const itemPath = [...path, { key: { [mergeKey]: item[mergeKey] as JsonValue } }];
        out.push(itemPath);
        walkObject(item, schema.items, itemPath, out, false);
      } else if (mergeKey === undefined && !isObject(item)) {
        out.push([...path, { value: item }]);
      } else {
        out.push(path);
        return;
      }
    }
    return;
  }
  out.push(path);
}

/** Builds the FieldsV1 object for a list of paths (list item entries get "."). */
export function toFieldsV1(paths: readonly FieldPath[]): JsonObject {
  const root: JsonObject = {};
  for (const path of paths) {
    let node = root;
    for (const el of path) {
      const key = elementToString(el);
      const next = node[key];
      if (isObject(next)) node = next;
      else {
        const created: JsonObject = {};
        node[key] = created;
        node = created;
      }
    }
    const last = path[path.length - 1];
    if (last !== undefined && "key" in last) node["."] = {};
  }
  return root;
}

/** Reads the leaf paths back out of a FieldsV1 object. */
export function fromFieldsV1(fields: unknown): FieldPath[] {
  const out: FieldPath[] = [];
  const walk = (node: JsonObject, prefix: PathElement[]) => {
    const entries = Object.entries(node).filter(([k]) => k !== ".");
    if (Object.hasOwn(node, ".") || (entries.length === 0 && prefix.length > 0)) out.push(prefix);
    for (const [key, child] of entries) {
      const el = parseElement(key);
      if (el !== undefined && isObject(child)) walk(child, [...prefix, el]);
    }
  };
  if (isObject(fields)) walk(fields, []);
  return out;
}

function parseElement(text: string): PathElement | undefined {
  const body = text.slice(2);
  try {
    if (text.startsWith("f:")) return { field: body };
    if (text.startsWith("k:")) {
      const key: unknown = JSON.parse(body);
      return isObject(key) ? { key } : undefined;
    }
    if (text.startsWith("v:")) return { value: JSON.parse(body) as JsonValue };
  } catch {
    return undefined;
  }
  return undefined;
}

/**
 * List items found by their key fields or as set members through indexes built on first use, for
 * many look-ups in lists that do not change meanwhile: a linear search per path made comparing
 * two versions of a pod with thousands of env vars take seconds.
 */
export class ListLookup {
  private readonly keyed = new WeakMap<JsonValue[], Map<string, Map<string, JsonValue>>>();
  private readonly members = new WeakMap<JsonValue[], Set<string>>();

  item(list: JsonValue[], key: Readonly<Record<string, JsonValue>>): JsonValue | undefined {
    const fields = Object.keys(key);
    const signature = JSON.stringify(fields);
    let bySignature = this.keyed.get(list);
    if (bySignature === undefined) {
      bySignature = new Map();
      this.keyed.set(list, bySignature);
    }
    let index = bySignature.get(signature);
    if (index === undefined) {
      index = new Map();
      for (const item of list) {
        if (!isObject(item) || fields.some((k) => item[k] === undefined)) continue;
        const identity = keyIdentity(fields, item);
        if (!index.has(identity)) index.set(identity, item);
      }
      bySignature.set(signature, index);
    }
    return index.get(keyIdentity(fields, key));
  }

  hasMember(list: JsonValue[], value: JsonValue): boolean {
    let set = this.members.get(list);
    if (set === undefined) {
      set = new Set(list.map((item) => JSON.stringify(item)));
      this.members.set(list, set);
    }
    return set.has(JSON.stringify(value));
  }
}

function keyIdentity(
  fields: readonly string[],
  values: Readonly<Record<string, JsonValue | undefined>>,
): string {
  return fields.map((k) => JSON.stringify(values[k])).join("\u0000");
}

/**
 * The value at a path in an object, or undefined when absent. With `lookup`, list items are found
 * through its indexes (the lists must not change while it is in use).
 */
export function valueAt(
  obj: JsonValue | undefined,
  path: FieldPath,
  lookup?: ListLookup,
): JsonValue | undefined {
  let node: JsonValue | undefined = obj;
  for (const el of path) {
    if (node === undefined) return undefined;
    if ("field" in el) node = isObject(node) && Object.hasOwn(node, el.field) ? node[el.field] : undefined;
    else if ("key" in el) {
      if (!Array.isArray(node)) node = undefined;
      else node = lookup ? lookup.item(node, el.key) : node.find((item) => matchesKey(item, el.key));
    } else {
      const member = Array.isArray(node)
        ? lookup
          ? lookup.hasMember(node, el.value)
          : node.some((item) => JSON.stringify(item) === JSON.stringify(el.value))
        : false;
      node = member ? el.value : undefined;
    }
  }
  return node;
}

function matchesKey(item: JsonValue, key: Readonly<Record<string, JsonValue>>): boolean {
  return (
    isObject(item) && Object.entries(key).every(([k, v]) => JSON.stringify(item[k]) === JSON.stringify(v))
  );
}

/** Removes the value at a path (a field, a keyed list item or a set member); absent is fine. */
export function removeAt(obj: JsonObject, path: FieldPath): void {
  const last = path[path.length - 1];
  if (last === undefined) return;
  const parent = valueAt(obj, path.slice(0, -1));
  if ("field" in last) {
    if (isObject(parent)) delete parent[last.field];
  } else if (Array.isArray(parent)) {
    const index =
      "key" in last
        ? parent.findIndex((item) => matchesKey(item, last.key))
        : parent.findIndex((item) => JSON.stringify(item) === JSON.stringify(last.value));
    if (index >= 0) parent.splice(index, 1);
  }
}
