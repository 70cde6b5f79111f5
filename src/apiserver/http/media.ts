/** Content negotiation: which representation the client asked for and what its body is. */
import { unsupported } from "./status.js";

export const JSON_TYPE = "application/json";
export const YAML_TYPE = "application/yaml";
export const MERGE_PATCH = "application/merge-patch+json";
export const STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json";
export const JSON_PATCH = "application/json-patch+json";
export const APPLY_PATCH = "application/apply-patch+yaml";
export const APPLY_PATCH_CBOR = "application/apply-patch+cbor";

/** The aggregated discovery Content-Type kubectl 1.32 asks for (1.28 asks v2beta1). */
export function discoveryVersion(accept: string): "v2" | "v2beta1" | undefined {
  for (const part of accept.split(",")) {
    const p = part.replace(/\s+/g, "");
    if (!p.includes("as=APIGroupDiscoveryList") || !p.includes("g=apidiscovery.k8s.io")) continue;
    if (p.includes("v=v2beta1")) return "v2beta1";
    if (p.includes("v=v2")) return "v2";
  }
  return undefined;
}

/** True when Accept names a meta.k8s.io Table (kubectl get), before any plain JSON fallback. */
export function wantsTable(accept: string): boolean {
  for (const part of accept.split(",")) {
    const p = part.replace(/\s+/g, "");
    if (p.includes("as=Table") && p.includes("g=meta.k8s.io")) return true;
  }
  return false;
}

/** "application/json; charset=utf-8" -> "application/json". */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}

/** Whether a write body of this type can be parsed (JSON, or YAML); else 415. */
export function checkBodyType(type: string, allowed: readonly string[]): void {
  if (type === "" || allowed.includes(type)) return;
  throw unsupported(
    "UnsupportedMediaType",
    `the body of the request was in an unknown format - accepted media types include: ${allowed.join(", ")}`,
  );
}
