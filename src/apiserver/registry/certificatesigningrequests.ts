/**
 * certificates.k8s.io/v1 CertificateSigningRequest: cluster-scoped. The requester's identity
 * (spec.username, uid, groups) is stamped by the HTTP layer on create; approval conditions come
 * through /approval and the issued certificate through /status (kube-apiserver's strategy).
 */
import type { ErrorCause } from "../../common/errors.js";
import { age, humanDuration } from "./age.js";
import { AGE_COLUMN, NAME_COLUMN, column } from "./columns.js";
import { getPath, isJsonObject, stringAt, type KubeObject } from "./object.js";
import { ALL_VERBS, type ResourceDefinition } from "./resource.js";
import { forbidden, invalid, required } from "./validation.js";

/** certificates/v1: the signer of kubelet serving certificates. */
export const SIGNER_KUBELET_SERVING = "kubernetes.io/kubelet-serving";
/** certificates/v1: the signer of kubelet client certificates (KubeAPIServerClientKubeletSignerName). */
export const SIGNER_KUBELET_CLIENT = "kubernetes.io/kube-apiserver-client-kubelet";
/** certificates/v1: the smallest spec.expirationSeconds accepted (10 minutes). */
export const MIN_EXPIRATION_SECONDS = 600;
/** certificates/v1 KeyUsage values. */
export const KEY_USAGES = new Set([
  "signing",
  "digital signature",
  "content commitment",
  "key encipherment",
  "key agreement",
  "data encipherment",
  "cert sign",
  "crl sign",
  "encipher only",
  "decipher only",
  "any",
  "server auth",
  "client auth",
  "code signing",
  "email protection",
  "s/mime",
  "ipsec end system",
  "ipsec tunnel",
  "ipsec user",
  "timestamping",
  "ocsp signing",
  "microsoft sgc",
  "netscape sgc",
]);
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The CSR's condition of this type, if any. */
export function csrCondition(obj: KubeObject, type: string): Record<string, unknown> | undefined {
  const conditions = getPath(obj, "status", "conditions");
  const found = (Array.isArray(conditions) ? conditions : []).find(
    (c) => isJsonObject(c) && c["type"] === type,
  );
  return isJsonObject(found) ? found : undefined;
}

/** kubectl's CONDITION column: Approved, Denied, Failed joined with ",", then Issued; or Pending. */
function conditionText(obj: KubeObject): string {
  const states = ["Approved", "Denied", "Failed"].filter((t) => csrCondition(obj, t) !== undefined);
  if (stringAt(obj, "status", "certificate") !== "") states.push("Issued");
  return states.length === 0 ? "Pending" : states.join(",");
}

function validateSpec(obj: KubeObject): ErrorCause[] {
  const causes: ErrorCause[] = [];
  const spec = obj["spec"];
  if (!isJsonObject(spec)) return [required("spec")];
  const request = spec["request"];
  if (typeof request !== "string" || request === "") causes.push(required("spec.request"));
  else if (!BASE64.test(request)) causes.push(invalid("spec.request", "<request>", "must be base64"));
  else if (!Buffer.from(request, "base64").toString("latin1").includes("CERTIFICATE REQUEST")) {
    causes.push(invalid("spec.request", "<request>", "PEM block type must be CERTIFICATE REQUEST"));
  }
  const signer = spec["signerName"];
  if (typeof signer !== "string" || signer === "") causes.push(required("spec.signerName"));
  else if (!/^[a-z0-9.-]+\/[A-Za-z0-9.-]+$/.test(signer)) {
    causes.push(
      invalid(
        "spec.signerName",
        signer,
        "must be a fully qualified domain and path of the form 'example.com/signer-name'",
      ),
    );
  }
  const usages = spec["usages"];
  if (usages !== undefined) {
    if (!Array.isArray(usages)) causes.push(invalid("spec.usages", usages, "must be a list"));
    else {
      usages.forEach((u, i) => {
        if (typeof u !== "string" || !KEY_USAGES.has(u)) {
          causes.push({
            reason: "FieldValueNotSupported",
            message: `Unsupported value: ${JSON.stringify(u)}`,
            field: `spec.usages[${i}]`,
          });
        }
      });
    }
  }
  const expiration = spec["expirationSeconds"];
  if (
    expiration !== undefined &&
    (typeof expiration !== "number" || !Number.isInteger(expiration) || expiration < MIN_EXPIRATION_SECONDS)
  ) {
    causes.push(
      invalid(
        "spec.expirationSeconds",
        expiration,
        `may not specify a duration less than ${MIN_EXPIRATION_SECONDS} seconds`,
      ),
    );
  }
  return causes;
}

function validateConditions(obj: KubeObject): ErrorCause[] {
  const causes: ErrorCause[] = [];
  const conditions = getPath(obj, "status", "conditions");
  if (conditions === undefined) return causes;
  if (!Array.isArray(conditions)) return [invalid("status.conditions", conditions, "must be a list")];
  const seen = new Set<string>();
  conditions.forEach((c, i) => {
    const type = isJsonObject(c) ? c["type"] : undefined;
    if (typeof type !== "string" || type === "") causes.push(required(`status.conditions[${i}].type`));
    else if (seen.has(type))
      causes.push({
        reason: "FieldValueDuplicate",
        message: `Duplicate value: "${type}"`,
        field: `status.conditions[${i}].type`,
      });
    else seen.add(type);
  });
  if (seen.has("Approved") && seen.has("Denied")) {
    causes.push(
      invalid(
        "status.conditions",
        "Approved,Denied",
        "Approved and Denied conditions are mutually exclusive",
      ),
    );
  }
  return causes;
}

export const certificatesigningrequests: ResourceDefinition = {
  group: "certificates.k8s.io",
  version: "v1",
  kind: "CertificateSigningRequest",
  plural: "certificatesigningrequests",
  singular: "certificatesigningrequest",
  shortNames: ["csr"],
  namespaced: false,
  verbs: ALL_VERBS,
  subresources: [
    { name: "status", kind: "CertificateSigningRequest", verbs: ["get", "patch", "update"] },
    { name: "approval", kind: "CertificateSigningRequest", verbs: ["get", "patch", "update"] },
  ],
  prepareForCreate(obj) {
    delete obj["status"];
  },
  prepareForUpdate(obj, old) {
    obj["spec"] = old["spec"];
    if (old["status"] === undefined) delete obj["status"];
    else obj["status"] = old["status"];
  },
  prepareForStatusUpdate(obj, old) {
    obj["spec"] = old["spec"];
  },
  defaults(obj) {
    const spec = obj["spec"];
    if (isJsonObject(spec) && spec["usages"] === undefined)
      spec["usages"] = ["digital signature", "key encipherment"];
  },
  validate(obj, old, subresource) {
    const causes = validateSpec(obj);
    causes.push(...validateConditions(obj));
    if (old !== undefined && subresource !== "status") {
      const before = stringAt(old, "status", "certificate");
      if (before !== "" && stringAt(obj, "status", "certificate") !== before) {
        causes.push(forbidden("status.certificate", "updates may not modify existing certificate content"));
      }
    }
    return causes;
  },
  selectableFields: (obj) => ({ "spec.signerName": stringAt(obj, "spec", "signerName") }),
  table: {
    columns: [
      NAME_COLUMN,
      AGE_COLUMN,
      column("SignerName", "Name of the signer"),
      column("Requestor", "Name of the requestor"),
      column("RequestedDuration", "Requested duration"),
      column("Condition", "State of the signing request"),
    ],
    cells: (obj, now) => {
      const seconds = getPath(obj, "spec", "expirationSeconds");
      return [
        obj.metadata.name,
        age(obj.metadata.creationTimestamp, now),
        stringAt(obj, "spec", "signerName"),
        stringAt(obj, "spec", "username"),
        typeof seconds === "number" ? humanDuration(seconds * 1000) : "<none>",
        conditionText(obj),
      ];
    },
  },
};
