/** pods/binding: the scheduler's way of setting spec.nodeName once, with PodScheduled=True. */
import { badRequest, conflict } from "./errors.js";
import { getPath, isJsonObject, rfc3339, stringAt, type KubeObject } from "./object.js";
import { pods } from "./pods.js";

/** Validates a Binding body and returns the target node's name. */
export function bindingTarget(binding: unknown, podName: string): string {
  if (!isJsonObject(binding)) throw badRequest("the binding is not an object");
  const name = stringAt(binding, "metadata", "name");
  if (name !== "" && name !== podName) {
    throw badRequest(`the name of the binding (${name}) does not match the pod (${podName})`);
  }
  const kind = stringAt(binding, "target", "kind");
  if (kind !== "" && kind !== "Node") throw badRequest(`a binding's target must be a Node, not ${kind}`);
  const node = stringAt(binding, "target", "name");
  if (node === "") throw badRequest("a binding needs target.name");
  return node;
}

/** The pod bound to `node`; Conflict if it is already bound or being deleted. */
export function bindPod(pod: KubeObject, node: string, now: Date): KubeObject {
  const name = pod.metadata.name ?? "";
  if (pod.metadata.deletionTimestamp !== undefined) {
    throw conflict(pods, name, "pod is being deleted, cannot be assigned to a host");
  }
  const current = stringAt(pod, "spec", "nodeName");
  if (current !== "") throw conflict(pods, name, `pod ${name} is already assigned to node "${current}"`);
  const spec = isJsonObject(pod["spec"]) ? pod["spec"] : {};
  spec["nodeName"] = node;
  pod["spec"] = spec;
  const status = isJsonObject(pod["status"]) ? pod["status"] : {};
  const conditions = Array.isArray(getPath(status, "conditions")) ? (status["conditions"] as unknown[]) : [];
  const others = conditions.filter((c) => !(isJsonObject(c) && c["type"] === "PodScheduled"));
  others.push({
    type: "PodScheduled",
    status: "True",
    lastProbeTime: null,
    lastTransitionTime: rfc3339(now),
  });
  status["conditions"] = others;
  pod["status"] = status;
  return pod;
}
