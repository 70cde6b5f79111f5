/**
 * The container hash the agent stores in io.kubernetes.container.hash: a change means the running
 * container no longer matches its spec and must be replaced (kubelet: HashContainer, an FNV-1a 32
 * over the serialized spec). Keys are sorted so the hash does not depend on field order; resources
 * are left out as the kubelet does, so a resize does not restart a container.
 */
import type { IContainer } from "kubernetes-models/v1";

const FNV_OFFSET_32 = 0x811c9dc5;
const FNV_PRIME_32 = 0x01000193;

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

export function fnv1a32(text: string): number {
  const bytes = Buffer.from(text, "utf8");
  let hash = FNV_OFFSET_32;
  // An index, not for...of: under --jitless the iterator allocates a result object per byte.
  for (let i = 0; i < bytes.length; i++) {
    hash = Math.imul(hash ^ (bytes[i] ?? 0), FNV_PRIME_32);
  }
  return hash >>> 0;
}

/** Lower-case hex, as the kubelet writes it. */
export function containerHash(container: IContainer): string {
  const { resources: _resources, resizePolicy: _resizePolicy, ...rest } = container;
  return fnv1a32(canonicalJson(rest)).toString(16);
}
