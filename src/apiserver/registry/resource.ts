/**
 * A ResourceDefinition is everything the generic store and the HTTP layer need to serve one kind:
 * its names, defaults, validation, update strategy, selectable fields and table columns. Adding a
 * kind is one file in this folder that exports one of these, listed in registry/index.ts.
 */
import type { ErrorCause } from "../../common/errors.js";
import type { KubeObject } from "./object.js";
import type { NameValidator } from "./validation.js";

export type Verb = "create" | "delete" | "deletecollection" | "get" | "list" | "patch" | "update" | "watch";

export const ALL_VERBS: readonly Verb[] = [
  "create",
  "delete",
  "deletecollection",
  "get",
  "list",
  "patch",
  "update",
  "watch",
];

/** One column of kubectl's table output (metav1.TableColumnDefinition). */
export interface TableColumn {
  readonly name: string;
  readonly type: "string" | "integer" | "number" | "boolean" | "date";
  readonly format?: string;
  readonly description: string;
  /** 0: always shown; 1: only with -o wide. */
  readonly priority: number;
}

export interface TableDefinition {
  readonly columns: readonly TableColumn[];
  /** One cell per column; `now` is injected so that ages are testable. */
  cells(obj: KubeObject, now: Date): unknown[];
}

export interface Subresource {
  readonly name: string;
  /** Kind of the subresource's body (Pod for status, Binding for binding, ...). */
  readonly kind: string;
  readonly verbs: readonly Verb[];
}

export interface ResourceDefinition {
  /** "" for the core group. */
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
  readonly categories?: readonly string[];
  readonly namespaced: boolean;
  readonly verbs: readonly Verb[];
  /** How metadata.name is checked; DNS-1123 subdomain when absent. */
  readonly nameFn?: NameValidator;
  readonly subresources: readonly Subresource[];
  /** Fills in defaults, as kube-apiserver does on create and update. Mutates obj. */
  defaults?(obj: KubeObject): void;
  /** Strategy on create: e.g. reset fields clients may not set. Mutates obj. */
  prepareForCreate?(obj: KubeObject): void;
  /** Strategy on an update of the main resource: e.g. keep old status. Mutates obj. */
  prepareForUpdate?(obj: KubeObject, old: KubeObject): void;
  /** Strategy on an update of the status subresource: keep everything else. Mutates obj. */
  prepareForStatusUpdate?(obj: KubeObject, old: KubeObject): void;
  /**
   * Kind-specific validation; old is set on update, subresource on a status or binding write.
   * Metadata is validated generically.
   */
  validate?(obj: KubeObject, old?: KubeObject, subresource?: string): ErrorCause[];
  /**
   * Field selector values; metadata.name and metadata.namespace are added generically. The keys
   * returned for an empty object are the fields a selector may name.
   */
  selectableFields?(obj: KubeObject): Readonly<Record<string, string>>;
  /** Seconds of graceful deletion for this object (pods); absent or 0: removed at once. */
  gracePeriod?(obj: KubeObject, requested?: number): number;
  /**
   * True while something other than metadata.finalizers keeps a deleted object (a namespace's
   * spec.finalizers): delete only marks it, and it goes once this turns false.
   */
  deletionBlocked?(obj: KubeObject): boolean;
  /** Changes made when the object is marked for deletion (a namespace turns Terminating). */
  prepareForDeletion?(obj: KubeObject): void;
  /** True when generation increments on spec changes. */
  readonly tracksGeneration?: boolean;
  readonly table?: TableDefinition;
}

/** apiVersion as objects carry it: "v1" or "group/version". */
export function apiVersionOf(def: ResourceDefinition): string {
  return def.group === "" ? def.version : `${def.group}/${def.version}`;
}
