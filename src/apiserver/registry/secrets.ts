/** core/v1 Secret: type defaults to Opaque, stringData folds into data (base64), values must decode. */
import type { ErrorCause } from "../../common/errors.js";
import { age } from "./age.js";
import { AGE_COLUMN, NAME_COLUMN, column } from "./columns.js";
import { MAX_SECRET_SIZE_BYTES, decodedLength, immutableData, validateDataKeys } from "./configmaps.js";
import { isJsonObject, stringAt, type KubeObject } from "./object.js";
import { ALL_VERBS, type ResourceDefinition } from "./resource.js";
import { forbidden, invalid, tooLong } from "./validation.js";

/** core/v1: SecretTypeOpaque. */
export const SECRET_TYPE_OPAQUE = "Opaque";
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export const secrets: ResourceDefinition = {
  group: "",
  version: "v1",
  kind: "Secret",
  plural: "secrets",
  singular: "secret",
  shortNames: [],
  namespaced: true,
  verbs: ALL_VERBS,
  subresources: [],
  defaults(obj: KubeObject) {
    if (typeof obj["type"] !== "string" || obj["type"] === "") obj["type"] = SECRET_TYPE_OPAQUE;
    const stringData = obj["stringData"];
    if (isJsonObject(stringData)) {
      const data = isJsonObject(obj["data"]) ? { ...obj["data"] } : {};
      for (const [k, v] of Object.entries(stringData)) {
        if (typeof v === "string") data[k] = Buffer.from(v, "utf8").toString("base64");
      }
      obj["data"] = data;
      delete obj["stringData"];
    }
  },
  validate(obj, old) {
    const causes: ErrorCause[] = [...validateDataKeys(obj, "data"), ...immutableData(obj, old)];
    if (isJsonObject(obj["data"])) {
      let total = 0;
      for (const [k, v] of Object.entries(obj["data"])) {
        if (typeof v !== "string" || !BASE64.test(v)) {
          causes.push(invalid(`data[${k}]`, "<secret contents redacted>", "must be base64-encoded bytes"));
        } else total += decodedLength(v);
      }
      // ValidateSecret: the decoded data at most MaxSecretSize.
      if (total > MAX_SECRET_SIZE_BYTES) causes.push(tooLong("data", MAX_SECRET_SIZE_BYTES));
    }
    if (old !== undefined && obj["type"] !== old["type"]) {
      causes.push(forbidden("type", "field is immutable"));
    }
    return causes;
  },
  selectableFields: (obj) => ({ type: stringAt(obj, "type") }),
  table: {
    columns: [
      NAME_COLUMN,
      column("Type", "The type of secret"),
      column("Data", "The number of entries in the data field", 0, "integer"),
      AGE_COLUMN,
    ],
    cells: (obj, now) => [
      obj.metadata.name,
      stringAt(obj, "type"),
      isJsonObject(obj["data"]) ? Object.keys(obj["data"]).length : 0,
      age(obj.metadata.creationTimestamp, now),
    ],
  },
};
