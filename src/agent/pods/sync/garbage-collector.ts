/**
 * Container and sandbox garbage collection with the kubelet's defaults (kubelet:
 * kuberuntime_gc.go, MaxPerPodContainer 1, MinAge 0): of the dead containers of one
 * (pod, container name), the newest is kept (its restart count and logs back the status and
 * `kubectl logs --previous`) and older ones are removed; dead sandboxes of a live pod that are
 * not its newest and hold no container are removed. Pods gone from the API are the orphan
 * cleanup's (termination.ts), not the collector's.
 */
import type { Logger } from "../../../common/index.js";
import { LABEL_POD_UID, type Container, type ContainerRuntime } from "../../../runtime/index.js";
import { GC_MAX_PER_POD_CONTAINER, GC_MIN_AGE_MS, LABEL_NODE_NAME } from "../constants.js";
import { containerName } from "./container-plan.js";

export interface GcPolicy {
  readonly maxPerPodContainer: number;
  readonly minAgeMs: number;
  /** Pods none of whose dead containers are kept (kubelet: evictNonDeletedPods for terminated pods). */
  readonly keepNoneOf?: (uid: string) => boolean;
}

export const DEFAULT_GC_POLICY: GcPolicy = {
  maxPerPodContainer: GC_MAX_PER_POD_CONTAINER,
  minAgeMs: GC_MIN_AGE_MS,
};

export interface GcResult {
  readonly containers: number;
  readonly sandboxes: number;
}

function newestFirst(a: { createdAt: bigint }, b: { createdAt: bigint }): number {
  return a.createdAt > b.createdAt ? -1 : a.createdAt < b.createdAt ? 1 : 0;
}

export async function collectGarbage(
  runtime: ContainerRuntime,
  nodeName: string,
  isLivePod: (uid: string) => boolean,
  nowMs: number,
  log: Logger,
  policy: GcPolicy = DEFAULT_GC_POLICY,
): Promise<GcResult> {
  const mine = { labelSelector: { [LABEL_NODE_NAME]: nodeName } };
  const [containers, sandboxes] = await Promise.all([
    runtime.listContainers(mine),
    runtime.listPodSandboxes(mine),
  ]);
  const groups = new Map<string, Container[]>();
  for (const c of containers) {
    const uid = c.labels[LABEL_POD_UID];
    if (!uid || !isLivePod(uid) || c.state === "running") continue;
    if (nowMs - Number(c.createdAt / 1_000_000n) < policy.minAgeMs) continue;
    const key = `${uid}/${containerName(c)}`;
    let group = groups.get(key);
    if (group === undefined) groups.set(key, (group = []));
    group.push(c);
  }
  let removedContainers = 0;
  const removedIds = new Set<string>();
  for (const group of groups.values()) {
    group.sort(newestFirst);
    const uid = group[0]?.labels[LABEL_POD_UID] ?? "";
    const keep = policy.keepNoneOf?.(uid) === true ? 0 : policy.maxPerPodContainer;
    for (const c of group.slice(keep)) {
      await runtime.removeContainer(c.id);
      removedIds.add(c.id);
      removedContainers++;
    }
  }
  const usedSandboxes = new Set(containers.filter((c) => !removedIds.has(c.id)).map((c) => c.podSandboxId));
  const newestSandbox = new Map<string, bigint>();
  for (const s of sandboxes) {
    const uid = s.labels[LABEL_POD_UID];
    if (!uid) continue;
    if ((newestSandbox.get(uid) ?? -1n) < s.createdAt) newestSandbox.set(uid, s.createdAt);
  }
  let removedSandboxes = 0;
  for (const s of sandboxes) {
    const uid = s.labels[LABEL_POD_UID];
    if (!uid || !isLivePod(uid) || s.state === "ready" || usedSandboxes.has(s.id)) continue;
    if (newestSandbox.get(uid) === s.createdAt) continue;
    await runtime.removePodSandbox(s.id);
    removedSandboxes++;
  }
  if (removedContainers + removedSandboxes > 0) {
    log.debug({ containers: removedContainers, sandboxes: removedSandboxes }, "garbage collected");
  }
  return { containers: removedContainers, sandboxes: removedSandboxes };
}
