/** core/v1 Pod: graceful deletion, status and binding subresources, logs, exec, attach and port-forward via the agent. */
import { podFields } from "../selectors/index.js";
import { getPath, isJsonObject, stringAt, type KubeObject } from "./object.js";
import {
  DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS,
  applyPodDefaults,
  defaultPodSpec,
} from "./pod-defaults.js";
import { podTable } from "./pod-table.js";
import { validatePod, validatePodSpec, validatePodUpdate } from "./pod-validation.js";
import { ALL_VERBS, type ResourceDefinition } from "./resource.js";

/**
 * pod strategy CheckGracefulDelete: the requested grace, else the pod's own; 0 for a pod that never
 * reached a node or has finished, since no agent has anything to stop.
 */
export function podGracePeriod(pod: KubeObject, requested?: number): number {
  const phase = stringAt(pod, "status", "phase");
  if (stringAt(pod, "spec", "nodeName") === "" || phase === "Succeeded" || phase === "Failed") return 0;
  if (requested !== undefined) return Math.max(0, requested);
  const own = getPath(pod, "spec", "terminationGracePeriodSeconds");
  return typeof own === "number" ? Math.max(0, own) : DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS;
}

export const pods: ResourceDefinition = {
  group: "",
  version: "v1",
  kind: "Pod",
  plural: "pods",
  singular: "pod",
  shortNames: ["po"],
  categories: ["all"],
  namespaced: true,
  verbs: ALL_VERBS,
  subresources: [
    { name: "status", kind: "Pod", verbs: ["get", "patch", "update"] },
    { name: "binding", kind: "Binding", verbs: ["create"] },
    { name: "log", kind: "Pod", verbs: ["get"] },
    { name: "exec", kind: "PodExecOptions", verbs: ["create", "get"] },
    { name: "attach", kind: "PodAttachOptions", verbs: ["create", "get"] },
    { name: "portforward", kind: "PodPortForwardOptions", verbs: ["create", "get"] },
  ],
  prepareForCreate(obj) {
    // Defaults, default tolerations, priority, and status reset to Pending with its QoS class.
    Object.assign(obj, applyPodDefaults(obj));
  },
  defaults(obj) {
    if (isJsonObject(obj["spec"])) defaultPodSpec(obj["spec"]);
  },
  validate(obj, old, subresource) {
    const causes =
      old === undefined
        ? validatePod(obj)
        : subresource === undefined
          ? validatePodUpdate(obj, old)
          : validatePodSpec(obj["spec"], "spec");
    // metadata is validated generically by the store
    return causes.filter((c) => !(c.field ?? "").startsWith("metadata"));
  },
  prepareForUpdate(obj, old) {
    obj["status"] = old["status"];
  },
  prepareForStatusUpdate(obj, old) {
    obj["spec"] = old["spec"];
  },
  gracePeriod: podGracePeriod,
  selectableFields: podFields,
  table: podTable,
};
