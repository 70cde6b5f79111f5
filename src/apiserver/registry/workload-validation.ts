/**
 * What apps/v1 workloads share (pkg/apis/apps/validation): label selectors, the pod template a
 * selector must match, non-negative counts, immutable selectors and the status counters.
 */
import type { ErrorCause } from "../../common/errors.js";
import { isIntOrPercent, percentOf } from "../../common/int-or-percent.js";
import { labelSelectorFromObject, matchLabels, type LabelSelectorObject } from "../selectors/index.js";
import { isDeepStrictEqual } from "node:util";
import { getPath, isJsonObject, type JsonObject } from "./object.js";
import { validatePodSpec } from "./pod-validation.js";
import {
  forbidden,
  invalid,
  notSupported,
  required,
  validateAnnotations,
  validateLabels,
} from "./validation.js";

const SELECTOR_OPERATORS = ["In", "NotIn", "Exists", "DoesNotExist"] as const;

/** apivalidation.ValidateNonnegativeField */
export function nonNegative(value: unknown, field: string): ErrorCause[] {
  if (value === undefined || value === null) return [];
  if (typeof value !== "number" || !Number.isInteger(value))
    return [invalid(field, value, "must be an integer")];
  return value < 0 ? [invalid(field, value, "must be greater than or equal to 0")] : [];
}

/** metav1validation.ValidateLabelSelector */
export function validateLabelSelector(selector: unknown, field: string): ErrorCause[] {
  if (!isJsonObject(selector)) return [invalid(field, selector, "must be an object")];
  const causes = validateLabels(selector["matchLabels"], `${field}.matchLabels`);
  const expressions = selector["matchExpressions"];
  if (expressions === undefined || expressions === null) return causes;
  if (!Array.isArray(expressions))
    return [...causes, invalid(`${field}.matchExpressions`, expressions, "must be a list")];
  expressions.forEach((e: unknown, i) => {
    const path = `${field}.matchExpressions[${i}]`;
    const expr = isJsonObject(e) ? e : {};
    const op = expr["operator"];
    const values = Array.isArray(expr["values"]) ? expr["values"] : [];
    if (typeof expr["key"] !== "string" || expr["key"] === "") causes.push(required(`${path}.key`));
    if (op === "In" || op === "NotIn") {
      if (values.length === 0)
        causes.push(required(`${path}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
    } else if (op === "Exists" || op === "DoesNotExist") {
      if (values.length > 0)
        causes.push(
          forbidden(`${path}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"),
        );
    } else {
      causes.push(notSupported(`${path}.operator`, op, SELECTOR_OPERATORS));
    }
  });
  return causes;
}

function selectorIsEmpty(selector: JsonObject): boolean {
  const labels = selector["matchLabels"];
  const exprs = selector["matchExpressions"];
  return (
    (!isJsonObject(labels) || Object.keys(labels).length === 0) &&
    (!Array.isArray(exprs) || exprs.length === 0)
  );
}

/**
 * ValidateDeploymentSpec / ValidateReplicaSetSpec, the parts they share: replicas, minReadySeconds,
 * a non-empty selector, and a template whose labels it selects (ValidatePodTemplateSpecForReplicaSet).
 */
export function validateWorkloadSpec(spec: unknown, kind: string): ErrorCause[] {
  if (!isJsonObject(spec)) return [required("spec")];
  const causes = [
    ...nonNegative(spec["replicas"], "spec.replicas"),
    ...nonNegative(spec["minReadySeconds"], "spec.minReadySeconds"),
  ];
  const selector = spec["selector"];
  let selects: ((labels: Record<string, string>) => boolean) | undefined;
  if (selector === undefined || selector === null) {
    causes.push(required("spec.selector"));
  } else {
    const selectorCauses = validateLabelSelector(selector, "spec.selector");
    causes.push(...selectorCauses);
    if (isJsonObject(selector) && selectorCauses.length === 0) {
      if (selectorIsEmpty(selector)) {
        causes.push(invalid("spec.selector", selector, `empty selector is invalid for ${kind}`));
      } else {
        try {
          const parsed = labelSelectorFromObject(selector as LabelSelectorObject);
          selects = (labels) => matchLabels(parsed, labels);
        } catch {
          causes.push(invalid("spec.selector", selector, "invalid label selector"));
        }
      }
    }
  }
  const template = spec["template"];
  if (!isJsonObject(template)) {
    causes.push(required("spec.template"));
    return causes;
  }
  const labels = getPath(template, "metadata", "labels");
  causes.push(...validateLabels(labels, "spec.template.metadata.labels"));
  causes.push(
    ...validateAnnotations(
      getPath(template, "metadata", "annotations"),
      "spec.template.metadata.annotations",
    ),
  );
  const labelMap = isJsonObject(labels) ? (labels as Record<string, string>) : {};
  if (selects !== undefined && !selects(labelMap)) {
    causes.push(
      invalid("spec.template.metadata.labels", labelMap, "`selector` does not match template `labels`"),
    );
  }
  causes.push(...validatePodSpec(template["spec"], "spec.template.spec"));
  const podSpec = template["spec"];
  if (isJsonObject(podSpec)) {
    const policy = podSpec["restartPolicy"];
    if (policy !== "Always")
      causes.push(notSupported("spec.template.spec.restartPolicy", policy, ["Always"]));
    if (podSpec["activeDeadlineSeconds"] !== undefined && podSpec["activeDeadlineSeconds"] !== null) {
      causes.push(
        forbidden(
          "spec.template.spec.activeDeadlineSeconds",
          "activeDeadlineSeconds in ReplicaSet is not Supported",
        ),
      );
    }
  }
  return causes;
}

/** apps/v1 selectors may not change (ValidateDeploymentUpdate, ValidateReplicaSetUpdate). */
export function validateSelectorUnchanged(obj: JsonObject, old: JsonObject): ErrorCause[] {
  const next = getPath(obj, "spec", "selector");
  const prev = getPath(old, "spec", "selector");
  return isDeepStrictEqual(next, prev) ? [] : [invalid("spec.selector", next, "field is immutable")];
}

/** ValidatePositiveIntOrPercent and IsNotMoreThan100Percent. */
export function validateIntOrPercent(value: unknown, field: string): ErrorCause[] {
  if (value === undefined || value === null) return [];
  if (!isIntOrPercent(value)) return [invalid(field, value, "must be an integer or percentage (e.g '5%')")];
  const n = typeof value === "number" ? value : (percentOf(value) ?? 0);
  if (n < 0) return [invalid(field, value, "must be greater than or equal to 0")];
  if (typeof value === "string" && n > 100) return [invalid(field, value, "must not be greater than 100%")];
  return [];
}

/** The counters every workload status carries must not be negative (ValidateReplicaSetStatus). */
export function validateStatusCounters(status: unknown, fields: readonly string[]): ErrorCause[] {
  if (!isJsonObject(status)) return [];
  const causes: ErrorCause[] = [];
  for (const f of fields) causes.push(...nonNegative(status[f], `status.${f}`));
  const ready = status["readyReplicas"];
  const replicas = status["replicas"];
  const available = status["availableReplicas"];
  if (typeof ready === "number" && typeof replicas === "number" && ready > replicas)
    causes.push(invalid("status.readyReplicas", ready, "cannot be greater than status.replicas"));
  if (typeof available === "number" && typeof replicas === "number" && available > replicas)
    causes.push(invalid("status.availableReplicas", available, "cannot be greater than status.replicas"));
  return causes;
}
