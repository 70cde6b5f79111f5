/**
 * Whether two pod statuses say the same (kubelet: status manager isPodStatusByKubeletEqual with
 * normalizeStatus): times compared to the second, conditions by type whatever their order, absent
 * and undefined fields alike, lastProbeTime ignored. The agent writes a status only when this is false.
 */
import type { IPodStatus } from "kubernetes-models/v1";
import { normalizeApiTime } from "./time.js";

const TIME_FIELDS: ReadonlySet<string> = new Set([
  "lastTransitionTime",
  "startTime",
  "startedAt",
  "finishedAt",
]);

function normalize(value: unknown, key: string | undefined): unknown {
  if (Array.isArray(value)) {
    const items = value.map((v) => normalize(v, undefined));
    if (key === "conditions") {
      return items.sort((a, b) => {
        const ta = String((a as { type?: unknown }).type);
        const tb = String((b as { type?: unknown }).type);
        return ta < tb ? -1 : ta > tb ? 1 : 0;
      });
    }
    return items;
  }
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v === undefined || v === null || k === "lastProbeTime") continue;
      out[k] = normalize(v, k);
    }
    return out;
  }
  if (typeof value === "string" && key !== undefined && TIME_FIELDS.has(key)) return normalizeApiTime(value);
  return value;
}

export function statusEqual(a: IPodStatus | undefined, b: IPodStatus | undefined): boolean {
  return JSON.stringify(normalize(a ?? {}, undefined)) === JSON.stringify(normalize(b ?? {}, undefined));
}
