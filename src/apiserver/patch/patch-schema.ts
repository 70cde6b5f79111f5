/**
 * Where strategic merge patch (and server-side apply's field sets) find merge keys and strategies:
 * read from the x-kubernetes-patch-strategy / x-kubernetes-patch-merge-key extensions of the served
 * kinds' component schemas (schema/list-extensions.ts), as kube-apiserver reads them from its
 * OpenAPI models. Any list without a merge strategy is atomic: a patch replaces it, as upstream
 * does for untagged lists.
 */
import { componentSchemas, type OpenApiSchema } from "../schema/index.js";

export type ListStrategy = "merge" | "replace";

export interface PatchSchema {
  /** Schemas of named fields of an object. */
  readonly fields?: Readonly<Record<string, PatchSchema>>;
  /** For a list: how patches combine with it, and the merge key of its items (maps). */
  readonly strategy?: ListStrategy;
  readonly mergeKey?: string;
  /** The `retainKeys` strategy: a patch may carry $retainKeys to clear the other union members. */
  readonly retainKeys?: boolean;
  /** Schema of each item of a list. */
  readonly items?: PatchSchema;
}

const ATOMIC: PatchSchema = {};

function mergeList(mergeKey: string | undefined, items: PatchSchema, retainKeys: boolean): PatchSchema {
  return mergeKey === undefined
    ? { strategy: "merge", items, retainKeys }
    : { strategy: "merge", mergeKey, items, retainKeys };
}

const REF_PREFIX = "#/components/schemas/";

type Schemas = Readonly<Record<string, OpenApiSchema>>;

/** The definition a property refers to (allOf [$ref] or $ref), if any. */
function refOf(schema: OpenApiSchema): string | undefined {
  const allOf = schema["allOf"];
  const target = Array.isArray(allOf) ? (allOf[0] as OpenApiSchema | undefined)?.["$ref"] : schema["$ref"];
  return typeof target === "string" && target.startsWith(REF_PREFIX)
    ? target.slice(REF_PREFIX.length)
    : undefined;
}

/** The patch schema of a property: a list's strategy and key, a nested object's fields. */
function propertySchema(prop: OpenApiSchema, schemas: Schemas, built: Map<string, PatchSchema>): PatchSchema {
  const strategy = String(prop["x-kubernetes-patch-strategy"] ?? "").split(",");
  const retainKeys = strategy.includes("retainKeys");
  const ref = refOf(prop);
  if (ref !== undefined) {
    const target = definitionSchema(ref, schemas, built);
    return retainKeys ? { ...target, retainKeys } : target;
  }
  if (prop["type"] !== "array") return ATOMIC;
  const itemsProp = prop["items"];
  const items =
    typeof itemsProp === "object" && itemsProp !== null
      ? propertySchema(itemsProp as OpenApiSchema, schemas, built)
      : ATOMIC;
  if (!strategy.includes("merge")) return items === ATOMIC ? ATOMIC : { items };
  const mergeKey = prop["x-kubernetes-patch-merge-key"];
  return mergeList(
    typeof mergeKey === "string" ? mergeKey : undefined,
    retainKeys ? { ...items, retainKeys } : items,
    retainKeys,
  );
}

/** The patch schema of a named definition; built once per kind's schema set, cycles share the object. */
function definitionSchema(name: string, schemas: Schemas, built: Map<string, PatchSchema>): PatchSchema {
  const cached = built.get(name);
  if (cached !== undefined) return cached;
  const fields: Record<string, PatchSchema> = {};
  const schema: PatchSchema = { fields };
  built.set(name, schema);
  const properties = schemas[name]?.["properties"];
  if (typeof properties !== "object" || properties === null) {
    built.set(name, ATOMIC);
    return ATOMIC;
  }
  for (const [field, prop] of Object.entries(properties as Record<string, OpenApiSchema>)) {
    const sub = propertySchema(prop, schemas, built);
    if (sub !== ATOMIC) fields[field] = sub;
  }
  return schema;
}

const byKind = new Map<string, PatchSchema | undefined>();

function buildFor(apiVersion: string, kind: string): PatchSchema | undefined {
  const slash = apiVersion.indexOf("/");
  const group = slash < 0 ? "" : apiVersion.slice(0, slash);
  const version = apiVersion.slice(slash + 1);
  const schemas = componentSchemas([{ group, version, kind }]);
  const name = Object.keys(schemas).find((n) => {
    const gvks = schemas[n]?.["x-kubernetes-group-version-kind"];
    return (
      Array.isArray(gvks) &&
      gvks.some(
        (g: Record<string, unknown>) =>
          g["group"] === group && g["version"] === version && g["kind"] === kind,
      )
    );
  });
  return name === undefined ? undefined : definitionSchema(name, schemas, new Map());
}

/**
 * The strategic-merge schema of a kind, or undefined when berth has no schema for it (kube-apiserver
 * refuses strategic merge patches for such kinds, e.g. custom resources, with 415).
 */
export function patchSchemaFor(apiVersion: string, kind: string): PatchSchema | undefined {
  const key = `${apiVersion}/${kind}`;
  if (!byKind.has(key)) byKind.set(key, buildFor(apiVersion, kind));
  return byKind.get(key);
}

/** The schema of a field of an object schema, atomic when unknown. */
export function fieldSchema(schema: PatchSchema | undefined, field: string): PatchSchema {
  return schema?.fields?.[field] ?? ATOMIC;
}
