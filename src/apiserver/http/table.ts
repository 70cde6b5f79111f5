/** meta.k8s.io/v1 Table rendering for kubectl get (columns from each kind's registry file). */
import {
  apiVersionOf,
  badRequest,
  type KubeObject,
  type ResourceDefinition,
  type TableColumn,
} from "../registry/index.js";

export type IncludeObject = "None" | "Metadata" | "Object";

const DEFAULT_COLUMNS: readonly TableColumn[] = [
  {
    name: "Name",
    type: "string",
    format: "name",
    description: "Name must be unique within a namespace.",
    priority: 0,
  },
  { name: "Created At", type: "date", description: "When the object was created.", priority: 0 },
];

export function parseIncludeObject(value: string | null): IncludeObject {
  if (value === null || value === "" || value === "Metadata") return "Metadata";
  if (value === "None" || value === "Object") return value;
  throw badRequest(`includeObject must be None, Metadata or Object, not ${JSON.stringify(value)}`);
}

function rowObject(obj: KubeObject, include: IncludeObject): unknown {
  if (include === "None") return undefined;
  if (include === "Object") return obj;
  const { managedFields: _managed, ...metadata } = obj.metadata;
  return { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: { ...metadata } };
}

export interface TableOptions {
  readonly include: IncludeObject;
  readonly now: Date;
  readonly withColumns: boolean;
  readonly resourceVersion?: string;
  readonly continueToken?: string;
}

export function toTable(
  def: ResourceDefinition,
  objects: readonly KubeObject[],
  opts: TableOptions,
): Record<string, unknown> {
  const table = def.table;
  const columns = table?.columns ?? DEFAULT_COLUMNS;
  const rows = objects.map((obj) => {
    const cells = table ? table.cells(obj, opts.now) : [obj.metadata.name, obj.metadata.creationTimestamp];
    const object = rowObject(obj, opts.include);
    return { cells, ...(object !== undefined ? { object } : {}) };
  });
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: {
      ...(opts.resourceVersion !== undefined ? { resourceVersion: opts.resourceVersion } : {}),
      ...(opts.continueToken !== undefined ? { continue: opts.continueToken } : {}),
    },
    ...(opts.withColumns ? { columnDefinitions: columns } : {}),
    rows,
  };
}

/** The List kind for a plain (non-Table) list response. */
export function toList(
  def: ResourceDefinition,
  items: readonly KubeObject[],
  resourceVersion: string,
  continueToken?: string,
) {
  return {
    kind: `${def.kind}List`,
    apiVersion: apiVersionOf(def),
    metadata: { resourceVersion, ...(continueToken !== undefined ? { continue: continueToken } : {}) },
    items,
  };
}
