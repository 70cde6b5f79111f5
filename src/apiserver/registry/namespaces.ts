/** core/v1 Namespace: cluster-scoped; phase Active; the kubernetes.io/metadata.name label. */
import { AGE_COLUMN, NAME_COLUMN, column } from "./columns.js";
import { age } from "./age.js";
import { getPath, isJsonObject, stringAt, type KubeObject } from "./object.js";
import { ALL_VERBS, type ResourceDefinition } from "./resource.js";
import { nameIsDNSLabel } from "./validation.js";

/** kube-apiserver: v1.LabelMetadataName, set on every namespace to its name. */
export const LABEL_METADATA_NAME = "kubernetes.io/metadata.name";
/** v1.FinalizerKubernetes: the namespace controller's finalizer in spec.finalizers. */
export const FINALIZER_KUBERNETES = "kubernetes";

function specFinalizers(obj: KubeObject): unknown[] {
  const list = getPath(obj, "spec", "finalizers");
  return Array.isArray(list) ? list : [];
}

export const namespaces: ResourceDefinition = {
  group: "",
  version: "v1",
  kind: "Namespace",
  plural: "namespaces",
  singular: "namespace",
  shortNames: ["ns"],
  namespaced: false,
  verbs: ALL_VERBS.filter((v) => v !== "deletecollection"),
  nameFn: nameIsDNSLabel,
  subresources: [
    { name: "status", kind: "Namespace", verbs: ["get", "patch", "update"] },
    { name: "finalize", kind: "Namespace", verbs: ["update"] },
  ],
  prepareForCreate(obj) {
    obj["status"] = { phase: "Active" };
    // namespace strategy PrepareForCreate: the namespace controller empties it before it goes
    obj["spec"] = { ...(isJsonObject(obj["spec"]) ? obj["spec"] : {}), finalizers: [FINALIZER_KUBERNETES] };
  },
  deletionBlocked: (obj) => specFinalizers(obj).length > 0,
  prepareForDeletion(obj) {
    obj["status"] = { ...(isJsonObject(obj["status"]) ? obj["status"] : {}), phase: "Terminating" };
  },
  prepareForUpdate(obj, old) {
    obj["status"] = old["status"];
    // spec.finalizers change only through /finalize
    obj["spec"] = { ...(isJsonObject(obj["spec"]) ? obj["spec"] : {}), finalizers: specFinalizers(old) };
    if (specFinalizers(old).length === 0) delete (obj["spec"] as Record<string, unknown>)["finalizers"];
  },
  prepareForStatusUpdate(obj, old) {
    obj["spec"] = old["spec"];
  },
  defaults(obj: KubeObject) {
    const name = obj.metadata.name;
    if (name) obj.metadata.labels = { ...obj.metadata.labels, [LABEL_METADATA_NAME]: name };
    if (!isJsonObject(obj["status"])) obj["status"] = { phase: "Active" };
  },
  selectableFields: (obj) => ({ "status.phase": stringAt(obj, "status", "phase") }),
  table: {
    columns: [NAME_COLUMN, column("Status", "The status of the namespace"), AGE_COLUMN],
    cells: (obj, now) => [
      obj.metadata.name,
      stringAt(obj, "status", "phase"),
      age(obj.metadata.creationTimestamp, now),
    ],
  },
};
