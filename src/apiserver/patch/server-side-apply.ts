/**
 * Server-side apply (`application/apply-patch+yaml`), the create-or-merge core.
 *
 * Compare with apiserver pkg/endpoints/handlers/fieldmanager and structured-merge-diff merge.Updater.
 * What berth does:
 * - merges the applied configuration into the live object with strategic-merge semantics
 *   (creating it when there is none);
 * - records the manager's fields in metadata.managedFields (operation Apply, apiVersion, time,
 *   fieldsType FieldsV1, fieldsV1) and keeps other managers' entries;
 * - refuses (BerthError Conflict, causes with reason FieldManagerConflict, upstream's message) when
 *   another manager owns a field the configuration sets to a different value, unless `force`,
 *   which moves those fields to the applier;
 * - removes fields the manager applied before and no longer applies, when no one else owns them.
 * Simplified against upstream: list items are keyed by the strategic-merge merge key (one field),
 * not by x-kubernetes-list-map-keys; objects created without managed fields have no owner for their
 * existing fields (upstream attributes them to "before-first-apply"); Update operations do not
 * record managed fields here (that is the registry's job if it wants them); only the Apply entry of
 * the same manager is "self".
 */
import { BerthError, ErrorCode, type ErrorCause } from "../../common/index.js";
import {
  fromFieldsV1,
  leafPaths,
  ListLookup,
  pathKey,
  pathToString,
  removeAt,
  toFieldsV1,
  valueAt,
  type FieldPath,
} from "./fields-v1.js";
import { clone, deepEqual, isObject, type JsonObject, type JsonValue } from "./json-value.js";
import { patchSchemaFor, type PatchSchema } from "./patch-schema.js";
import { applyStrategicMergePatch } from "./strategic-merge.js";

export interface ManagedFieldsEntry {
  manager: string;
  operation: "Apply" | "Update";
  apiVersion: string;
  time: string;
  fieldsType: "FieldsV1";
  fieldsV1: JsonObject;
  subresource?: string;
}

export interface ApplyOptions {
  readonly fieldManager: string;
  readonly force: boolean;
  readonly now: Date;
  /** Defaults to the schema of the applied object's apiVersion and kind. */
  readonly schema?: PatchSchema;
}

/** metav1.CauseTypeFieldManagerConflict */
export const FIELD_MANAGER_CONFLICT = "FieldManagerConflict";

interface Conflict {
  readonly entry: ManagedFieldsEntry;
  readonly path: FieldPath;
}

function badRequest(message: string): BerthError {
  return new BerthError(ErrorCode.BadRequest, message);
}

/** fieldmanager printManager: `"name"`, plus ` using <apiVersion>` for Update entries. */
function describeManager(entry: ManagedFieldsEntry): string {
  return entry.operation === "Update"
    ? `${JSON.stringify(entry.manager)} using ${entry.apiVersion}`
    : JSON.stringify(entry.manager);
}

function conflictError(conflicts: readonly Conflict[]): BerthError {
  const causes: ErrorCause[] = conflicts.map((c) => ({
    reason: FIELD_MANAGER_CONFLICT,
    message: `conflict with ${describeManager(c.entry)}`,
    field: pathToString(c.path),
  }));
  let message: string;
  const first = conflicts[0];
  if (conflicts.length === 1 && first !== undefined) {
    message = `Apply failed with 1 conflict: conflict with ${describeManager(first.entry)}: ${pathToString(first.path)}`;
  } else {
    const byManager = new Map<string, string[]>();
    for (const c of conflicts) {
      const who = describeManager(c.entry);
      byManager.set(who, [...(byManager.get(who) ?? []), `- ${pathToString(c.path)}`]);
    }
    const parts = [...byManager].map(([who, lines]) => `conflicts with ${who}:\n${lines.join("\n")}`);
    message = `Apply failed with ${conflicts.length} conflicts: ${parts.join("\n")}`;
  }
  return new BerthError(ErrorCode.Conflict, message, { causes, details: { reason: FIELD_MANAGER_CONFLICT } });
}

function readManagedFields(obj: JsonObject | undefined): ManagedFieldsEntry[] {
  const meta = obj?.["metadata"];
  const list = isObject(meta) ? meta["managedFields"] : undefined;
  if (!Array.isArray(list)) return [];
  return list.filter(isObject).map((e) => ({ ...(clone(e) as unknown as ManagedFieldsEntry) }));
}

/** RFC 3339 with seconds, as metav1.Time serialises. */
function rfc3339(now: Date): string {
  return now.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * Applies `applied` for `fieldManager` on top of `live` (undefined to create) and returns the new
 * object with managedFields updated. Throws Conflict (see above) or BadRequest for bad input.
 */
export function applyServerSideApply(live: unknown, applied: unknown, options: ApplyOptions): JsonObject {
  if (!options.fieldManager) {
    // ValidatePatchOptions: answered as 422 on PatchOptions.
    throw new BerthError(
      ErrorCode.Invalid,
      'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
      {
        causes: [
          {
            reason: "FieldValueRequired",
            message: "Required value: is required for apply patch",
            field: "fieldManager",
          },
        ],
        details: { group: "meta.k8s.io", kind: "PatchOptions", name: "" },
      },
    );
  }
  if (!isObject(applied)) throw badRequest("apply configuration must be an object");
  const apiVersion = applied["apiVersion"];
  const kind = applied["kind"];
  if (typeof apiVersion !== "string" || apiVersion === "")
    throw badRequest("apiVersion must be set in the apply configuration");
  if (typeof kind !== "string" || kind === "")
    throw badRequest("kind must be set in the apply configuration");
  const schema = options.schema ?? patchSchemaFor(apiVersion, kind);
  const config = clone(applied);
  const configMeta = config["metadata"];
  if (isObject(configMeta)) delete configMeta["managedFields"];

  const liveObj = isObject(live) ? live : undefined;
  const entries = readManagedFields(liveObj);
  const selfIndex = entries.findIndex(
    (e) => e.manager === options.fieldManager && e.operation === "Apply" && !e.subresource,
  );
  const self = selfIndex >= 0 ? entries[selfIndex] : undefined;
  const newPaths = leafPaths(config, schema);
  const newKeys = new Set(newPaths.map(pathKey));

  // Conflicts: another manager owns a leaf we set, and the live value differs from ours.
  const others = entries
    .map((entry, i) => ({ entry, i, paths: fromFieldsV1(entry.fieldsV1) }))
    .filter((o) => o.i !== selfIndex);
  const conflicts: Conflict[] = [];
  const lookup = new ListLookup();
  for (const other of others) {
    for (const path of other.paths) {
      if (!newKeys.has(pathKey(path))) continue;
      const last = path[path.length - 1];
      if (last !== undefined && "key" in last) continue; // item identity, not a value
      if (!deepEqual(valueAt(liveObj, path, lookup), valueAt(config, path, lookup)))
        conflicts.push({ entry: other.entry, path });
    }
  }
  if (conflicts.length > 0 && !options.force) throw conflictError(conflicts);
  const taken = new Set(
    conflicts.map((c) => `${c.entry.manager}\u0001${c.entry.operation}\u0001${pathKey(c.path)}`),
  );

  const merged = applyStrategicMergePatch(liveObj ?? {}, config, schema) as JsonObject;

  // Fields this manager applied before but no longer does are removed, unless another manager owns
  // them or something inside them (a list item stays while someone owns one of its fields).
  const othersOwn = new Set(
    others.flatMap((o) =>
      o.paths
        .filter((p) => !taken.has(`${o.entry.manager}\u0001${o.entry.operation}\u0001${pathKey(p)}`))
        .flatMap((p) => p.map((_, n) => pathKey(p.slice(0, n + 1)))),
    ),
  );
  const dropped = (self ? fromFieldsV1(self.fieldsV1) : []).filter(
    (p) => !newKeys.has(pathKey(p)) && !othersOwn.has(pathKey(p)),
  );
  // Parents first: a list item is found by its key fields, which removing its children would erase.
  dropped.sort((a, b) => a.length - b.length);
  for (const path of dropped) removeAt(merged, path);

  const nextEntries: ManagedFieldsEntry[] = [];
  const ownEntry: ManagedFieldsEntry = {
    manager: options.fieldManager,
    operation: "Apply",
    apiVersion,
    time: rfc3339(options.now),
    fieldsType: "FieldsV1",
    fieldsV1: toFieldsV1(newPaths),
  };
  entries.forEach((entry, i) => {
    if (i === selfIndex) {
      nextEntries.push(ownEntry);
      return;
    }
    const kept = fromFieldsV1(entry.fieldsV1).filter(
      (p) => !taken.has(`${entry.manager}\u0001${entry.operation}\u0001${pathKey(p)}`),
    );
    if (kept.length > 0) nextEntries.push({ ...entry, fieldsV1: toFieldsV1(kept) });
  });
  if (selfIndex < 0) nextEntries.push(ownEntry);

  const meta = isObject(merged["metadata"]) ? merged["metadata"] : {};
  meta["managedFields"] = nextEntries as unknown as JsonValue;
  merged["metadata"] = meta;
  return merged;
}
