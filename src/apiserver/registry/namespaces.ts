/** core/v1 Namespace: cluster-scoped; phase Active; the kubernetes.io/metadata.name label. */
import { AGE_COLUMN, NAME_COLUMN, column } from "./columns.js";
import { age } from "./age.js";
import { isJsonObject, stringAt, type KubeObject } from "./object.js";
import { ALL_VERBS, type ResourceDefinition } from "./resource.js";
import { nameIsDNSLabel } from "./validation.js";

/** kube-apiserver: v1.LabelMetadataName, set on every namespace to its name. */
export const LABEL_METADATA_NAME = "kubernetes.io/metadata.name";

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
  subresources: [{ name: "status", kind: "Namespace", verbs: ["get", "patch", "update"] }],
  prepareForCreate(obj) {
    obj["status"] = { phase: "Active" };
  },
  prepareForUpdate(obj, old) {
    obj["status"] = old["status"];
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
