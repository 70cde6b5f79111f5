/** Pod predicates controllers share (controller_utils, podutil). */
import { timeOf, type Pod } from "./objects.js";

/** controller.IsPodActive: not finished and not being deleted. */
export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== "Succeeded" && phase !== "Failed" && pod.metadata.deletionTimestamp === undefined;
}

function readyCondition(pod: Pod) {
  return pod.status?.conditions?.find((c) => c.type === "Ready");
}

/** podutil.IsPodReady */
export function isPodReady(pod: Pod): boolean {
  return readyCondition(pod)?.status === "True";
}

/** When the pod last became ready, or 0. */
export function readySince(pod: Pod): number {
  const c = readyCondition(pod);
  return c?.status === "True" ? timeOf(c.lastTransitionTime) : 0;
}

/** podutil.IsPodAvailable: ready for at least minReadySeconds at `now`. */
export function isPodAvailable(pod: Pod, minReadySeconds: number, now: number): boolean {
  if (!isPodReady(pod)) return false;
  if (minReadySeconds === 0) return true;
  const since = readySince(pod);
  return since > 0 && since + minReadySeconds * 1000 <= now;
}

export function restartCount(pod: Pod): number {
  return (pod.status?.containerStatuses ?? []).reduce((n, c) => n + (c.restartCount ?? 0), 0);
}
