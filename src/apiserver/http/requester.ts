/**
 * What the server writes from the caller's identity into a new object: a CertificateSigningRequest
 * records who asked (spec.username and spec.groups), which its approver trusts and clients cannot
 * forge (kube-apiserver's CSR strategy PrepareForCreate).
 */
import { isJsonObject, type KubeObject, type ResourceDefinition } from "../registry/index.js";
import type { UserInfo } from "./authn.js";

export function stampRequester(def: ResourceDefinition, obj: KubeObject, user: UserInfo): void {
  if (def.group !== "certificates.k8s.io" || def.plural !== "certificatesigningrequests") return;
  const spec = isJsonObject(obj["spec"]) ? obj["spec"] : (obj["spec"] = {});
  spec["username"] = user.name;
  spec["groups"] = [...user.groups];
  delete spec["uid"];
  delete spec["extra"];
}
