/**
 * Which pods a controller deletes first when it scales down (controller.ActivePodsWithRanks and
 * getPodsToDelete): unscheduled before scheduled, Pending before Unknown before Running, not ready
 * before ready, pods crowded on a node with more of their siblings first, ready for a shorter time
 * first, more restarts first, newer first.
 */
import { timeOf, type Pod } from "./objects.js";
import { isPodReady, readySince, restartCount } from "./pod-state.js";

const PHASE_ORDER: Readonly<Record<string, number>> = { Pending: 0, Unknown: 1, Running: 2 };

/**
 * Orders `pods` so that the first ones are deleted first. `related` are the active pods of the
 * same owner(s): a pod's rank is how many of them share its node.
 */
export function rankForDeletion(pods: readonly Pod[], related: readonly Pod[]): Pod[] {
  const perNode = new Map<string, number>();
  for (const p of related) {
    const node = p.spec?.nodeName ?? "";
    if (node !== "") perNode.set(node, (perNode.get(node) ?? 0) + 1);
  }
  const rank = (p: Pod) => {
    const node = p.spec?.nodeName ?? "";
    return node === "" ? 0 : (perNode.get(node) ?? 0);
  };
  return [...pods].sort((a, b) => {
    const aNode = (a.spec?.nodeName ?? "") !== "";
    const bNode = (b.spec?.nodeName ?? "") !== "";
    if (aNode !== bNode) return aNode ? 1 : -1;
    const pa = PHASE_ORDER[a.status?.phase ?? "Pending"] ?? 0;
    const pb = PHASE_ORDER[b.status?.phase ?? "Pending"] ?? 0;
    if (pa !== pb) return pa - pb;
    const ra = isPodReady(a);
    const rb = isPodReady(b);
    if (ra !== rb) return ra ? 1 : -1;
    if (rank(a) !== rank(b)) return rank(b) - rank(a);
    if (ra && rb) {
      const sa = readySince(a);
      const sb = readySince(b);
      if (sa !== sb) return sb - sa; // ready more recently goes first
    }
    const ca = restartCount(a);
    const cb = restartCount(b);
    if (ca !== cb) return cb - ca;
    const ta = timeOf(a.metadata.creationTimestamp);
    const tb = timeOf(b.metadata.creationTimestamp);
    return tb - ta;
  });
}
