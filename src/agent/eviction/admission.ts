/**
 * Admission under node pressure (kubelet: eviction manager Admit): with no pressure every pod is
 * admitted; critical pods always are; under memory pressure alone, pods that are not BestEffort
 * and BestEffort pods tolerating the memory-pressure taint are admitted; anything else is rejected
 * with reason Evicted and "The node had condition: [...]. ".
 */
import type { IPod } from "kubernetes-models/v1";
import { PRESSURE_TAINT_KEYS } from "../node/index.js";
import { isCriticalPod, qosClass } from "../resources/index.js";
import { nodeConditionMessage, REASON_EVICTED } from "./messages.js";
import type { NodeConditionType } from "./thresholds.js";

export type PressureAdmission =
  { readonly admit: true } | { readonly admit: false; readonly reason: string; readonly message: string };

/** v1 Toleration.ToleratesTaint for a NoSchedule taint without a value. */
function toleratesNoSchedule(pod: IPod, key: string): boolean {
  return (pod.spec?.tolerations ?? []).some((t) => {
    if (t.effect && t.effect !== "NoSchedule") return false;
    if (t.key && t.key !== key) return false;
    return (t.operator ?? "Equal") === "Exists" || !t.value;
  });
}

export function admitUnderPressure(pod: IPod, conditions: readonly NodeConditionType[]): PressureAdmission {
  if (conditions.length === 0 || isCriticalPod(pod)) return { admit: true };
  if (conditions.length === 1 && conditions[0] === "MemoryPressure") {
    if (qosClass(pod) !== "BestEffort") return { admit: true };
    if (toleratesNoSchedule(pod, PRESSURE_TAINT_KEYS.MemoryPressure)) return { admit: true };
  }
  return { admit: false, reason: REASON_EVICTED, message: nodeConditionMessage(conditions) };
}
