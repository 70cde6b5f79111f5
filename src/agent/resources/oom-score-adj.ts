/**
 * The oom_score_adj of a container, as pkg/kubelet/qos/policy.go GetContainerOOMScoreAdjust sets it.
 * Values below zero need CAP_SYS_RESOURCE; the runtime adapters raise them to the agent's own score
 * where the process lacks it (src/runtime/oom-score.ts), so this returns the kubelet's number.
 */
import type { IContainer, IPod } from "kubernetes-models/v1";
import { BerthError, ErrorCode } from "../../common/index.js";
import { qosClass } from "./qos.js";
import { containerCpuMemory, isRestartableInitContainer } from "./requests.js";

/** kubelet: guaranteedOOMScoreAdj */
export const GUARANTEED_OOM_SCORE_ADJ = -997;
/** kubelet: besteffortOOMScoreAdj */
export const BESTEFFORT_OOM_SCORE_ADJ = 1000;
/** kubelet: KubeletOOMScoreAdj (the agent's own score where it may set one) */
export const KUBELET_OOM_SCORE_ADJ = -999;
/** kubelet: scheduling.SystemNodeCritical */
export const SYSTEM_NODE_CRITICAL = "system-node-critical";
/** kubelet: scheduling.SystemCriticalPriority */
export const SYSTEM_CRITICAL_PRIORITY = 2000000000;
/** kubelet: ConfigSourceAnnotationKey; a value other than "api" marks a static pod. */
export const CONFIG_SOURCE_ANNOTATION = "kubernetes.io/config.source";
/** kubelet: ConfigMirrorAnnotationKey */
export const CONFIG_MIRROR_ANNOTATION = "kubernetes.io/config.mirror";

/** types.IsCriticalPod: static, mirror, or priority at least SystemCriticalPriority. */
export function isCriticalPod(pod: IPod): boolean {
  const annotations = pod.metadata?.annotations ?? {};
  const source = annotations[CONFIG_SOURCE_ANNOTATION];
  if (source !== undefined && source !== "api") return true;
  if (annotations[CONFIG_MIRROR_ANNOTATION] !== undefined) return true;
  const priority = pod.spec?.priority;
  return priority !== undefined && priority >= SYSTEM_CRITICAL_PRIORITY;
}

/** types.IsNodeCriticalPod */
export function isNodeCriticalPod(pod: IPod): boolean {
  return isCriticalPod(pod) && pod.spec?.priorityClassName === SYSTEM_NODE_CRITICAL;
}

function burstableScore(memoryRequest: number, memoryCapacity: number): number {
  // Integer division as upstream (int64); BigInt keeps it exact for any node size.
  return 1000 - Number((1000n * BigInt(memoryRequest)) / BigInt(memoryCapacity));
}

/**
 * Guaranteed (and node-critical) -997, BestEffort 1000, Burstable 1000 - 1000*request/capacity
 * kept within [3, 999]. A sidecar (restartable init container) scores no higher than the app
 * container with the smallest memory request, so it is not killed before the app it serves.
 */
export function containerOomScoreAdj(pod: IPod, container: IContainer, memoryCapacityBytes: number): number {
  if (!Number.isSafeInteger(memoryCapacityBytes) || memoryCapacityBytes <= 0) {
    throw new BerthError(
      ErrorCode.Invalid,
      `node memory capacity must be a positive integer, got ${memoryCapacityBytes}`,
    );
  }
  if (isNodeCriticalPod(pod)) return GUARANTEED_OOM_SCORE_ADJ;
  switch (qosClass(pod)) {
    case "Guaranteed":
      return GUARANTEED_OOM_SCORE_ADJ;
    case "BestEffort":
      return BESTEFFORT_OOM_SCORE_ADJ;
    case "Burstable":
      break;
  }
  let score = burstableScore(containerCpuMemory(container).requests.memoryBytes ?? 0, memoryCapacityBytes);
  const isSidecar = (pod.spec?.initContainers ?? []).some(
    (c) => c.name === container.name && isRestartableInitContainer(c),
  );
  const apps = pod.spec?.containers ?? [];
  if (isSidecar && apps.length > 0) {
    const minRequest = Math.min(...apps.map((c) => containerCpuMemory(c).requests.memoryBytes ?? 0));
    score = Math.min(score, burstableScore(minRequest, memoryCapacityBytes));
  }
  const floor = 1000 + GUARANTEED_OOM_SCORE_ADJ;
  if (score < floor) return floor;
  if (score === BESTEFFORT_OOM_SCORE_ADJ) return score - 1;
  return score;
}
