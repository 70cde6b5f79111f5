/** coordination.k8s.io/v1 Lease: node heartbeats; renewTime and acquireTime are MicroTime. */
import type { ErrorCause } from "../../common/errors.js";
import { age } from "./age.js";
import { AGE_COLUMN, NAME_COLUMN, column } from "./columns.js";
import { isJsonObject, stringAt, type KubeObject } from "./object.js";
import { ALL_VERBS, type ResourceDefinition } from "./resource.js";
import { invalid } from "./validation.js";

const MICRO_TIME = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/**
 * metav1.MicroTime as stored and emitted: UTC with exactly six fractional digits. Accepts any
 * RFC 3339 time (3 or 6 fractional digits, any offset); undefined when unparsable.
 */
export function normalizeMicroTime(text: string): string | undefined {
  const m = MICRO_TIME.exec(text);
  if (m === null) return undefined;
  const fraction = (m[2] ?? "").padEnd(6, "0").slice(0, 6);
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return undefined;
  return `${new Date(ms).toISOString().slice(0, 19)}.${fraction}Z`;
}

const MICRO_TIME_FIELDS = ["acquireTime", "renewTime"] as const;

export const leases: ResourceDefinition = {
  group: "coordination.k8s.io",
  version: "v1",
  kind: "Lease",
  plural: "leases",
  singular: "lease",
  shortNames: [],
  namespaced: true,
  verbs: ALL_VERBS,
  subresources: [],
  defaults(obj: KubeObject) {
    const spec = obj["spec"];
    if (!isJsonObject(spec)) return;
    for (const field of MICRO_TIME_FIELDS) {
      const v = spec[field];
      if (typeof v === "string") spec[field] = normalizeMicroTime(v) ?? v;
    }
  },
  validate(obj) {
    const causes: ErrorCause[] = [];
    const spec = obj["spec"];
    if (spec === undefined) return causes;
    if (!isJsonObject(spec)) return [invalid("spec", spec, "must be an object")];
    for (const field of MICRO_TIME_FIELDS) {
      const v = spec[field];
      if (v !== undefined && v !== null && (typeof v !== "string" || normalizeMicroTime(v) === undefined)) {
        causes.push(invalid(`spec.${field}`, v, "must be an RFC 3339 time with microseconds"));
      }
    }
    const duration = spec["leaseDurationSeconds"];
    if (
      duration !== undefined &&
      (typeof duration !== "number" || !Number.isInteger(duration) || duration <= 0)
    ) {
      causes.push(invalid("spec.leaseDurationSeconds", duration, "must be greater than 0"));
    }
    return causes;
  },
  table: {
    columns: [NAME_COLUMN, column("Holder", "The holder of the lease (holderIdentity)"), AGE_COLUMN],
    cells: (obj, now) => [
      obj.metadata.name,
      stringAt(obj, "spec", "holderIdentity"),
      age(obj.metadata.creationTimestamp, now),
    ],
  },
};
