/**
 * managedFields for non-apply writes (create, update, patch), operation "Update".
 *
 * Compare with apiserver pkg/endpoints/handlers/fieldmanager (the Update path of FieldManager): the
 * writer becomes the owner of every field it set or changed, other managers lose those fields, and
 * fields that are gone from the object leave every manager's set. This is what lets a later
 * server-side apply report a conflict with, for example, "kubectl-create" or "kubectl-edit".
 * Simplified as in server-side-apply.ts (merge keys from the strategic-merge table); "." entries for
 * maps, which upstream records for Update operations, are not written.
 */
import {
  fromFieldsV1,
  leafPaths,
  ListLookup,
  pathKey,
  toFieldsV1,
  valueAt,
  type FieldPath,
} from "./fields-v1.js";
import { clone, deepEqual, isObject, type JsonObject, type JsonValue } from "./json-value.js";
import { patchSchemaFor, type PatchSchema } from "./patch-schema.js";
import type { ManagedFieldsEntry } from "./server-side-apply.js";

export interface UpdateManagedFieldsOptions {
  /** The writer, e.g. the fieldManager query parameter or a name derived from the user agent. */
  readonly fieldManager: string;
  readonly now: Date;
  /** "status" for writes through the status subresource; they own .status fields only. */
  readonly subresource?: string;
  /** Defaults to the schema of the object's apiVersion and kind. */
  readonly schema?: PatchSchema;
}

function rfc3339(now: Date): string {
  return now.toISOString().replace(/\.\d{3}Z$/, "Z");
}

function managedFieldsOf(obj: JsonObject | undefined): ManagedFieldsEntry[] {
  const meta = obj?.["metadata"];
  const list = isObject(meta) ? meta["managedFields"] : undefined;
  return Array.isArray(list)
    ? list.filter(isObject).map((e) => clone(e) as unknown as ManagedFieldsEntry)
    : [];
}

function isItem(path: FieldPath): boolean {
  const last = path[path.length - 1];
  return last !== undefined && "key" in last;
}

/**
 * Returns a copy of `updated` whose metadata.managedFields records this write. `old` is the stored
 * object (undefined on create); the managed fields in `updated` itself are ignored.
 */
export function recordUpdateManagedFields(
  old: unknown,
  updated: unknown,
  options: UpdateManagedFieldsOptions,
): JsonObject {
  const next = clone(isObject(updated) ? updated : {});
  const before = isObject(old) ? old : undefined;
  const apiVersion = typeof next["apiVersion"] === "string" ? next["apiVersion"] : "";
  const kind = typeof next["kind"] === "string" ? next["kind"] : "";
  const schema = options.schema ?? patchSchemaFor(apiVersion, kind);
  const subresource = options.subresource ?? "";
  const scope = subresource === "status" ? "status" : "main";

  // Fields this write set or changed (an item is "changed" when it is new).
  const lookup = new ListLookup();
  const changed = leafPaths(next, schema, scope).filter((path) => {
    const previous = valueAt(before, path, lookup);
    if (previous === undefined) return true;
    return !isItem(path) && !deepEqual(previous, valueAt(next, path, lookup) as JsonValue);
  });
  const changedKeys = new Set(changed.map(pathKey));

  const entries = managedFieldsOf(before);
  const result: ManagedFieldsEntry[] = [];
  let self: ManagedFieldsEntry | undefined;
  for (const entry of entries) {
    const isSelf =
      entry.manager === options.fieldManager &&
      entry.operation === "Update" &&
      (entry.subresource ?? "") === subresource;
    const kept = fromFieldsV1(entry.fieldsV1).filter(
      (path) => valueAt(next, path, lookup) !== undefined && (isSelf || !changedKeys.has(pathKey(path))),
    );
    if (isSelf) {
      const have = new Set(kept.map(pathKey));
      const all = [...kept, ...changed.filter((p) => !have.has(pathKey(p)))];
      self = { ...entry, apiVersion, time: rfc3339(options.now), fieldsV1: toFieldsV1(all) };
      if (all.length > 0) result.push(self);
    } else if (kept.length > 0) {
      result.push({ ...entry, fieldsV1: toFieldsV1(kept) });
    }
  }
  if (!self && changed.length > 0) {
    const entry: ManagedFieldsEntry = {
      manager: options.fieldManager,
      operation: "Update",
      apiVersion,
      time: rfc3339(options.now),
      fieldsType: "FieldsV1",
      fieldsV1: toFieldsV1(changed),
    };
    if (subresource) entry.subresource = subresource;
    result.push(entry);
  }
  const meta = isObject(next["metadata"]) ? next["metadata"] : {};
  if (result.length > 0) meta["managedFields"] = result as unknown as JsonValue;
  else delete meta["managedFields"];
  next["metadata"] = meta;
  return next;
}
