/**
 * The scale subresource of workloads: autoscaling/v1 Scale built from an object, and an object's
 * spec.replicas set from a Scale (the registry's ScaleREST for deployments and replicasets).
 */
import {
  formatLabelSelector,
  labelSelectorFromObject,
  type LabelSelectorObject,
} from "../selectors/index.js";
import { badRequest } from "./errors.js";
import { cloneJson, getPath, isJsonObject, type KubeObject } from "./object.js";
import { invalid, throwIfInvalid } from "./validation.js";

export const SCALE_API_VERSION = "autoscaling/v1";

/** The Scale of a workload: spec.replicas, status.replicas and the selector as a string. */
export function scaleOf(obj: KubeObject): KubeObject {
  const meta = obj.metadata;
  const selector = getPath(obj, "spec", "selector");
  let selectorText = "";
  try {
    if (isJsonObject(selector))
      selectorText = formatLabelSelector(labelSelectorFromObject(selector as LabelSelectorObject));
  } catch {
    selectorText = "";
  }
  const replicas = getPath(obj, "spec", "replicas");
  const current = getPath(obj, "status", "replicas");
  return {
    apiVersion: SCALE_API_VERSION,
    kind: "Scale",
    metadata: {
      name: meta.name ?? "",
      namespace: meta.namespace ?? "",
      ...(meta.uid !== undefined ? { uid: meta.uid } : {}),
      ...(meta.resourceVersion !== undefined ? { resourceVersion: meta.resourceVersion } : {}),
      ...(meta.creationTimestamp !== undefined ? { creationTimestamp: meta.creationTimestamp } : {}),
    },
    spec: { replicas: typeof replicas === "number" ? replicas : 0 },
    status: { replicas: typeof current === "number" ? current : 0, selector: selectorText },
  };
}

/**
 * The workload with the Scale's spec.replicas; the Scale's resourceVersion, when it has one, is a
 * precondition as on any update.
 */
export function withScale(obj: KubeObject, scale: unknown): KubeObject {
  if (!isJsonObject(scale) || !isJsonObject(scale["metadata"])) throw badRequest("the Scale has no metadata");
  const replicas = getPath(scale, "spec", "replicas");
  const name = String(getPath(scale, "metadata", "name") ?? obj.metadata.name ?? "");
  if (
    replicas !== undefined &&
    (typeof replicas !== "number" || !Number.isInteger(replicas) || replicas < 0)
  ) {
    throwIfInvalid("Scale", name, [invalid("spec.replicas", replicas, "must be greater than or equal to 0")]);
  }
  const next = cloneJson(obj);
  const spec = isJsonObject(next["spec"]) ? next["spec"] : {};
  spec["replicas"] = typeof replicas === "number" ? replicas : 0;
  next["spec"] = spec;
  const rv = getPath(scale, "metadata", "resourceVersion");
  if (typeof rv === "string" && rv !== "") next.metadata.resourceVersion = rv;
  else delete next.metadata.resourceVersion;
  return next;
}
