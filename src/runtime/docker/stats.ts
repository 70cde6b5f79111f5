/**
 * Docker's one-shot stats to CRI's container stats: cumulative CPU in ns, and the memory working
 * set as the kubelet computes it (usage minus inactive file pages, never below zero).
 */
import type { ContainerStats, PodSandboxStats } from "../types.js";
import { parseDockerTime } from "./time.js";

/** The fields of GET /containers/{id}/stats?stream=false this module reads. */
export interface DockerStats {
  readonly read?: string;
  readonly cpu_stats?: { readonly cpu_usage?: { readonly total_usage?: number } };
  readonly memory_stats?: {
    readonly usage?: number;
    readonly stats?: Readonly<Record<string, number>>;
  };
}

/** cgroup v1 reports total_inactive_file (hierarchical), v2 inactive_file. */
export function inactiveFile(stats: Readonly<Record<string, number>> | undefined): number {
  return stats?.["total_inactive_file"] ?? stats?.["inactive_file"] ?? 0;
}

export function containerStatsFrom(id: string, stats: DockerStats, fallbackNanos: bigint): ContainerStats {
  const usage = stats.memory_stats?.usage ?? 0;
  const timestamp = parseDockerTime(stats.read);
  return {
    id,
    timestamp: timestamp === 0n ? fallbackNanos : timestamp,
    cpuUsageCoreNanoSeconds: BigInt(Math.trunc(stats.cpu_stats?.cpu_usage?.total_usage ?? 0)),
    memoryUsageBytes: usage,
    memoryWorkingSetBytes: Math.max(0, usage - inactiveFile(stats.memory_stats?.stats)),
  };
}

/** A pod's usage: the sum over its pause container and app containers. */
export function sandboxStatsFrom(
  id: string,
  pause: ContainerStats,
  containers: readonly ContainerStats[],
): PodSandboxStats {
  let cpu = pause.cpuUsageCoreNanoSeconds;
  let memory = pause.memoryWorkingSetBytes;
  let timestamp = pause.timestamp;
  for (const c of containers) {
    cpu += c.cpuUsageCoreNanoSeconds;
    memory += c.memoryWorkingSetBytes;
    if (c.timestamp > timestamp) timestamp = c.timestamp;
  }
  return { id, timestamp, cpuUsageCoreNanoSeconds: cpu, memoryWorkingSetBytes: memory, containers };
}
