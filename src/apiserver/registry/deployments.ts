/**
 * apps/v1 Deployment: defaults (SetDefaults_Deployment), validation with upstream's messages,
 * immutable selector, status and scale subresources, kubectl's columns.
 */
import type { ErrorCause } from "../../common/errors.js";
import { AGE_COLUMN, NAME_COLUMN, column } from "./columns.js";
import { age } from "./age.js";
import { getPath, isJsonObject } from "./object.js";
import { ALL_VERBS, type ResourceDefinition } from "./resource.js";
import { DEFAULT_REPLICAS, defaultTemplate } from "./replicasets.js";
import { forbidden, invalid, notSupported } from "./validation.js";
import {
  nonNegative,
  validateIntOrPercent,
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

export const DEFAULT_MAX_UNAVAILABLE = "25%"; // apps/v1 SetDefaults_Deployment
export const DEFAULT_MAX_SURGE = "25%"; // apps/v1 SetDefaults_Deployment
export const DEFAULT_REVISION_HISTORY_LIMIT = 10; // apps/v1 SetDefaults_Deployment
export const DEFAULT_PROGRESS_DEADLINE_SECONDS = 600; // apps/v1 SetDefaults_Deployment

const STRATEGY_TYPES = ["Recreate", "RollingUpdate"] as const;
const STATUS_COUNTERS = [
  "replicas",
  "updatedReplicas",
  "readyReplicas",
  "availableReplicas",
  "unavailableReplicas",
  "observedGeneration",
] as const;

function setDefault(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (obj[key] === undefined || obj[key] === null) obj[key] = value;
}

/** ValidateDeploymentStrategy and ValidateRollingUpdateDeployment */
function validateStrategy(strategy: unknown): ErrorCause[] {
  if (!isJsonObject(strategy)) return [];
  const type = strategy["type"];
  const rolling = strategy["rollingUpdate"];
  if (type === "Recreate") {
    return isJsonObject(rolling)
      ? [forbidden("spec.strategy.rollingUpdate", "may not be specified when strategy `type` is 'Recreate'")]
      : [];
  }
  if (type !== "RollingUpdate") return [notSupported("spec.strategy.type", type, STRATEGY_TYPES)];
  if (!isJsonObject(rolling)) return [];
  const surge = rolling["maxSurge"];
  const unavailable = rolling["maxUnavailable"];
  const causes = [
    ...validateIntOrPercent(unavailable, "spec.strategy.rollingUpdate.maxUnavailable"),
    ...validateIntOrPercent(surge, "spec.strategy.rollingUpdate.maxSurge"),
  ];
  const isZero = (v: unknown) => v === 0 || v === "0%";
  if (causes.length === 0 && isZero(surge) && isZero(unavailable)) {
    causes.push(
      invalid("spec.strategy.rollingUpdate.maxUnavailable", unavailable, "may not be 0 when `maxSurge` is 0"),
    );
  }
  return causes;
}

function validateDeploymentSpec(spec: unknown): ErrorCause[] {
  const causes = validateWorkloadSpec(spec, "deployment");
  if (!isJsonObject(spec)) return causes;
  causes.push(...validateStrategy(spec["strategy"]));
  causes.push(...nonNegative(spec["revisionHistoryLimit"], "spec.revisionHistoryLimit"));
  const deadline = spec["progressDeadlineSeconds"];
  causes.push(...nonNegative(deadline, "spec.progressDeadlineSeconds"));
  const minReady = spec["minReadySeconds"];
  if (typeof deadline === "number" && typeof minReady === "number" && deadline <= minReady) {
    causes.push(invalid("spec.progressDeadlineSeconds", deadline, "must be greater than minReadySeconds"));
  }
  return causes;
}

export const deployments: ResourceDefinition = {
  group: "apps",
  version: "v1",
  kind: "Deployment",
  plural: "deployments",
  singular: "deployment",
  shortNames: ["deploy"],
  categories: ["all"],
  namespaced: true,
  verbs: ALL_VERBS,
  tracksGeneration: true,
  subresources: [
    { name: "status", kind: "Deployment", verbs: ["get", "patch", "update"] },
    { name: "scale", kind: "Scale", verbs: ["get", "patch", "update"] },
  ],
  prepareForCreate(obj) {
    delete obj["status"];
  },
  defaults(obj) {
    const spec = obj["spec"];
    if (!isJsonObject(spec)) return;
    setDefault(spec, "replicas", DEFAULT_REPLICAS);
    setDefault(spec, "strategy", {});
    const strategy = spec["strategy"];
    if (isJsonObject(strategy)) {
      setDefault(strategy, "type", "RollingUpdate");
      if (strategy["type"] === "RollingUpdate") {
        setDefault(strategy, "rollingUpdate", {});
        const rolling = strategy["rollingUpdate"];
        if (isJsonObject(rolling)) {
          setDefault(rolling, "maxUnavailable", DEFAULT_MAX_UNAVAILABLE);
          setDefault(rolling, "maxSurge", DEFAULT_MAX_SURGE);
        }
      }
    }
    setDefault(spec, "revisionHistoryLimit", DEFAULT_REVISION_HISTORY_LIMIT);
    setDefault(spec, "progressDeadlineSeconds", DEFAULT_PROGRESS_DEADLINE_SECONDS);
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
    const causes = validateDeploymentSpec(obj["spec"]);
    if (old !== undefined) causes.push(...validateSelectorUnchanged(obj, old));
    return causes;
  },
  table: {
    columns: [
      NAME_COLUMN,
      column("Ready", "Number of the pod with ready state"),
      column(
        "Up-to-date",
        "Total number of non-terminated pods targeted by this deployment that have the desired template spec.",
        0,
        "integer",
      ),
      column(
        "Available",
        "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.",
        0,
        "integer",
      ),
      AGE_COLUMN,
      CONTAINERS_COLUMN,
      IMAGES_COLUMN,
      column(
        "Selector",
        "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.",
        1,
      ),
    ],
    cells: (obj, now) => [
      obj.metadata.name,
      `${count(obj, "status", "readyReplicas")}/${count(obj, "spec", "replicas")}`,
      count(obj, "status", "updatedReplicas"),
      count(obj, "status", "availableReplicas"),
      age(obj.metadata.creationTimestamp, now),
      ...templateContainers(obj),
      selectorText(getPath(obj, "spec", "selector")),
    ],
  },
};
