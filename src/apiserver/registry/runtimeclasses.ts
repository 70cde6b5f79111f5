/**
 * node.k8s.io/v1 RuntimeClass: cluster-scoped, a required handler that is a DNS label and never
 * changes, the pod overhead it adds and the scheduling it imposes (ValidateRuntimeClass,
 * ValidateRuntimeClassUpdate). The admission that applies a class to a pod is in admission/.
 */
import type { ErrorCause } from "../../common/errors.js";
import { AGE_COLUMN, NAME_COLUMN, column } from "./columns.js";
import { age } from "./age.js";
import { isJsonObject, stringAt } from "./object.js";
import { validateResources, validateToleration } from "./pod-validation.js";
import { ALL_VERBS, type ResourceDefinition } from "./resource.js";
import { duplicate, invalid, isDNS1123Label, required, validateLabels } from "./validation.js";

/** validateOverhead: podFixed is checked as a container's limits are. */
function validateOverhead(overhead: unknown): ErrorCause[] {
  if (overhead === undefined || overhead === null) return [];
  if (!isJsonObject(overhead)) return [invalid("overhead", overhead, "must be an object")];
  const causes: ErrorCause[] = [];
  validateResources({ limits: overhead["podFixed"] }, "overhead", causes);
  return causes;
}

/** validateScheduling: nodeSelector as labels, tolerations valid and unique by key/operator/value/effect. */
function validateScheduling(scheduling: unknown): ErrorCause[] {
  if (scheduling === undefined || scheduling === null) return [];
  if (!isJsonObject(scheduling)) return [invalid("scheduling", scheduling, "must be an object")];
  const causes = validateLabels(scheduling["nodeSelector"], "scheduling.nodeSelector");
  const tolerations = scheduling["tolerations"];
  if (tolerations === undefined || tolerations === null) return causes;
  if (!Array.isArray(tolerations))
    return [...causes, invalid("scheduling.tolerations", tolerations, "must be a list")];
  const seen = new Set<string>();
  tolerations.forEach((t: unknown, i) => {
    const path = `scheduling.tolerations[${i}]`;
    validateToleration(t, path, causes);
    const listKey = JSON.stringify(["key", "operator", "value", "effect"].map((k) => stringAt(t, k)));
    if (seen.has(listKey)) causes.push(duplicate(path, t));
    seen.add(listKey);
  });
  return causes;
}

function validateHandler(handler: unknown): ErrorCause[] {
  if (handler === undefined || handler === null || handler === "") return [required("handler")];
  if (typeof handler !== "string") return [invalid("handler", handler, "must be a string")];
  return isDNS1123Label(handler).map((msg) => invalid("handler", handler, msg));
}

export const runtimeclasses: ResourceDefinition = {
  group: "node.k8s.io",
  version: "v1",
  kind: "RuntimeClass",
  plural: "runtimeclasses",
  singular: "runtimeclass",
  shortNames: [],
  namespaced: false,
  verbs: ALL_VERBS,
  subresources: [],
  validate(obj, old) {
    const causes = [
      ...validateHandler(obj["handler"]),
      ...validateOverhead(obj["overhead"]),
      ...validateScheduling(obj["scheduling"]),
    ];
    if (old !== undefined && obj["handler"] !== old["handler"]) {
      // ValidateImmutableField
      causes.push(invalid("handler", obj["handler"], "field is immutable"));
    }
    return causes;
  },
  table: {
    columns: [
      NAME_COLUMN,
      column(
        "Handler",
        "Handler is the name of the underlying runtime and configuration that the CRI implementation will use to handle pods of this class.",
      ),
      AGE_COLUMN,
    ],
    cells: (obj, now) => [
      obj.metadata.name,
      stringAt(obj, "handler"),
      age(obj.metadata.creationTimestamp, now),
    ],
  },
};
