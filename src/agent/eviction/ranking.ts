/**
 * The order pods are evicted in (kubelet: rankMemoryPressure, rankDiskPressureFunc,
 * rankPIDPressure): pods using more than they requested first, then lower priority first, then
 * larger usage above the request first. Sorting is stable, so ties keep the given order.
 */
import type { IPod } from "kubernetes-models/v1";
import { podRequests } from "../resources/index.js";
import type { PodStats, PodStatsMap } from "./pod-stats.js";
import type { ReclaimResource } from "./thresholds.js";

type Comparator = (a: IPod, b: IPod) => number;

/** kubelet: orderedBy(...).Sort: the first comparator that tells the pods apart decides. */
function orderedBy(...comparators: Comparator[]): (pods: readonly IPod[]) => IPod[] {
  return (pods) =>
    [...pods].sort((a, b) => {
      for (const cmp of comparators) {
        const r = cmp(a, b);
        if (r !== 0) return r;
      }
      return 0;
    });
}

/** kubelet: priority: lower priority is evicted first. */
export const byPriority: Comparator = (a, b) => (a.spec?.priority ?? 0) - (b.spec?.priority ?? 0);

function requestOf(pod: IPod, resource: "memory" | "ephemeral-storage"): number {
  try {
    const totals = podRequests(pod);
    return resource === "memory" ? totals.memoryBytes : totals.ephemeralStorageBytes;
  } catch {
    return 0;
  }
}

/** The pod's usage of a resource; undefined without stats (kubelet ranks such pods last). */
export function podUsage(stats: PodStats | undefined, resource: ReclaimResource): number | undefined {
  if (stats === undefined) return undefined;
  const containers = stats.containers;
  let volumes = 0;
  for (const v of stats.volumes.values()) volumes += resource === "inodes" ? v.inodes : v.bytes;
  switch (resource) {
    case "memory":
      return containers.reduce((sum, c) => sum + c.memoryWorkingSetBytes, 0);
    case "ephemeral-storage":
      return containers.reduce((sum, c) => sum + c.rootfsBytes + c.logsBytes, 0) + volumes;
    case "inodes":
      return volumes;
    case "pids":
      return undefined;
  }
}

/** kubelet: exceedMemoryRequests / exceedDiskRequests: pods above their request first. */
function exceedsRequests(stats: PodStatsMap, resource: "memory" | "ephemeral-storage"): Comparator {
  const exceeds = (p: IPod): boolean => {
    const used = podUsage(stats.get(p.metadata?.uid ?? ""), resource);
    return used !== undefined && used > requestOf(p, resource);
  };
  return (a, b) => Number(exceeds(b)) - Number(exceeds(a));
}

/** kubelet: memory / disk: more usage above the request first; pods without stats last. */
function usageAboveRequest(stats: PodStatsMap, resource: "memory" | "ephemeral-storage"): Comparator {
  const above = (p: IPod): number | undefined => {
    const used = podUsage(stats.get(p.metadata?.uid ?? ""), resource);
    return used === undefined ? undefined : used - requestOf(p, resource);
  };
  return (a, b) => {
    const x = above(a);
    const y = above(b);
    if (x === undefined || y === undefined) return Number(x === undefined) - Number(y === undefined);
    return y - x;
  };
}

/** kubelet: inodes have no request: more inodes first. */
function inodeUsage(stats: PodStatsMap): Comparator {
  const used = (p: IPod): number => podUsage(stats.get(p.metadata?.uid ?? ""), "inodes") ?? -1;
  return (a, b) => used(b) - used(a);
}

/** The pods in eviction order for pressure on `resource`. */
export function rankForEviction(
  pods: readonly IPod[],
  stats: PodStatsMap,
  resource: ReclaimResource,
): IPod[] {
  switch (resource) {
    case "memory":
    case "ephemeral-storage":
      return orderedBy(
        exceedsRequests(stats, resource),
        byPriority,
        usageAboveRequest(stats, resource),
      )(pods);
    case "inodes":
      return orderedBy(byPriority, inodeUsage(stats))(pods);
    case "pids":
      return orderedBy(byPriority)(pods);
  }
}
