/** apps/v1 ReplicaSet: defaults, validation, immutable selector, status and scale subresources. */
import { isJsonObject, type KubeObject } from "./object.js";
import { AGE_COLUMN, NAME_COLUMN, column } from "./columns.js";
import { age } from "./age.js";
import { defaultPodSpec } from "./pod-defaults.js";
import { ALL_VERBS, type ResourceDefinition } from "./resource.js";
import {
  validateSelectorUnchanged,
  validateStatusCounters,
  validateWorkloadSpec,
} from "./workload-validation.js";
import {
  CONTAINERS_COLUMN,
  IMAGES_COLUMN,
  count,
  selectorText,
  templateContainers,
} from "./workload-table.js";
import { getPath } from "./object.js";

/** apps/v1 SetDefaults_ReplicaSet */
export const DEFAULT_REPLICAS = 1;

const STATUS_COUNTERS = [
  "replicas",
  "fullyLabeledReplicas",
  "readyReplicas",
  "availableReplicas",
  "observedGeneration",
] as const;

/** The pod template's defaults, as SetDefaults_PodSpec applies them inside a template. */
export function defaultTemplate(obj: KubeObject): void {
  const spec = getPath(obj, "spec", "template", "spec");
  if (isJsonObject(spec)) defaultPodSpec(spec);
}

export const replicasets: ResourceDefinition = {
  group: "apps",
  version: "v1",
  kind: "ReplicaSet",
  plural: "replicasets",
  singular: "replicaset",
  shortNames: ["rs"],
  categories: ["all"],
  namespaced: true,
  verbs: ALL_VERBS,
  tracksGeneration: true,
  subresources: [
    { name: "status", kind: "ReplicaSet", verbs: ["get", "patch", "update"] },
    { name: "scale", kind: "Scale", verbs: ["get", "patch", "update"] },
  ],
  prepareForCreate(obj) {
    delete obj["status"];
  },
  defaults(obj) {
    const spec = obj["spec"];
    if (!isJsonObject(spec)) return;
    if (spec["replicas"] === undefined || spec["replicas"] === null) spec["replicas"] = DEFAULT_REPLICAS;
    defaultTemplate(obj);
  },
  prepareForUpdate(obj, old) {
    obj["status"] = old["status"];
  },
  prepareForStatusUpdate(obj, old) {
    obj["spec"] = old["spec"];
  },
  validate(obj, old, subresource) {
    if (subresource === "status") return validateStatusCounters(obj["status"], STATUS_COUNTERS);
    const causes = validateWorkloadSpec(obj["spec"], "replicaset");
    if (old !== undefined) causes.push(...validateSelectorUnchanged(obj, old));
    return causes;
  },
  table: {
    columns: [
      NAME_COLUMN,
      column("Desired", "Number of desired pods.", 0, "integer"),
      column("Current", "Number of actual replicas.", 0, "integer"),
      column("Ready", "Number of ready replicas.", 0, "integer"),
      AGE_COLUMN,
      CONTAINERS_COLUMN,
      IMAGES_COLUMN,
      column("Selector", "Label selector for pods. Should match the template's labels.", 1),
    ],
    cells: (obj, now) => [
      obj.metadata.name,
      count(obj, "spec", "replicas"),
      count(obj, "status", "replicas"),
      count(obj, "status", "readyReplicas"),
      age(obj.metadata.creationTimestamp, now),
      ...templateContainers(obj),
      selectorText(getPath(obj, "spec", "selector")),
    ],
  },
};
