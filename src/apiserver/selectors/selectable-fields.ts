/**
 * The fields each resource lets clients select on, rendered as strings.
 *
 * Compare with kubernetes pkg/registry/core/pod/strategy.go (ToSelectableFields, PodToSelectableFields),
 * pkg/registry/core/event/strategy.go, pkg/registry/core/node/strategy.go and
 * apiserver pkg/registry/generic/matcher.go (ObjectMetaFieldsSet).
 */
import type { SelectableFields } from "./field-selector.js";

type Obj = Readonly<Record<string, unknown>>;

function sub(obj: unknown, key: string): Obj {
  if (obj === null || typeof obj !== "object") return {};
  const value = (obj as Obj)[key];
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Obj) : {};
}

function str(obj: Obj, key: string): string {
  const value = obj[key];
  return typeof value === "string" ? value : "";
}

/** generic.ObjectMetaFieldsSet: metadata.name and, for namespaced kinds, metadata.namespace. */
export const META_SELECTABLE_FIELDS: ReadonlySet<string> = new Set(["metadata.name", "metadata.namespace"]);

export function metaFields(obj: unknown): SelectableFields {
  const meta = sub(obj, "metadata");
  return { "metadata.name": str(meta, "name"), "metadata.namespace": str(meta, "namespace") };
}

/** pod.ToSelectableFields. */
export const POD_SELECTABLE_FIELDS: ReadonlySet<string> = new Set([
  ...META_SELECTABLE_FIELDS,
  "spec.nodeName",
  "spec.restartPolicy",
  "spec.schedulerName",
  "spec.serviceAccountName",
  "spec.hostNetwork",
  "status.phase",
  "status.podIP",
  "status.nominatedNodeName",
]);

export function podFields(pod: unknown): SelectableFields {
  const spec = sub(pod, "spec");
  const status = sub(pod, "status");
  // Upstream: status.podIP is the first entry of status.podIPs when present.
  const podIPs = status["podIPs"];
  let podIP = str(status, "podIP");
  if (Array.isArray(podIPs) && podIPs.length > 0) podIP = str((podIPs[0] ?? {}) as Obj, "ip");
  return {
    ...metaFields(pod),
    "spec.nodeName": str(spec, "nodeName"),
    "spec.restartPolicy": str(spec, "restartPolicy"),
    "spec.schedulerName": str(spec, "schedulerName"),
    "spec.serviceAccountName": str(spec, "serviceAccountName"),
    "spec.hostNetwork": spec["hostNetwork"] === true ? "true" : "false",
    "status.phase": str(status, "phase"),
    "status.podIP": podIP,
    "status.nominatedNodeName": str(status, "nominatedNodeName"),
  };
}

/** event.ToSelectableFields (core/v1 Event). */
export const EVENT_SELECTABLE_FIELDS: ReadonlySet<string> = new Set([
  ...META_SELECTABLE_FIELDS,
  "involvedObject.kind",
  "involvedObject.namespace",
  "involvedObject.name",
  "involvedObject.uid",
  "involvedObject.apiVersion",
  "involvedObject.resourceVersion",
  "involvedObject.fieldPath",
  "reason",
  "reportingComponent",
  "source",
  "type",
]);

export function eventFields(event: unknown): SelectableFields {
  const involved = sub(event, "involvedObject");
  const source = sub(event, "source");
  const e = (event ?? {}) as Obj;
  return {
    ...metaFields(event),
    "involvedObject.kind": str(involved, "kind"),
    "involvedObject.namespace": str(involved, "namespace"),
    "involvedObject.name": str(involved, "name"),
    "involvedObject.uid": str(involved, "uid"),
    "involvedObject.apiVersion": str(involved, "apiVersion"),
    "involvedObject.resourceVersion": str(involved, "resourceVersion"),
    "involvedObject.fieldPath": str(involved, "fieldPath"),
    reason: str(e, "reason"),
    // Upstream: reportingComponent is the event's reportingController.
    reportingComponent: str(e, "reportingController"),
    // Upstream: source.component, or the reportingController when the component is empty.
    source: str(source, "component") || str(e, "reportingController"),
    type: str(e, "type"),
  };
}

/** node.NodeToSelectableFields. */
export const NODE_SELECTABLE_FIELDS: ReadonlySet<string> = new Set([
  ...META_SELECTABLE_FIELDS,
  "spec.unschedulable",
]);

export function nodeFields(node: unknown): SelectableFields {
  return {
    ...metaFields(node),
    "spec.unschedulable": sub(node, "spec")["unschedulable"] === true ? "true" : "false",
  };
}
