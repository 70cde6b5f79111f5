import type { ContainerStats, PodSandboxStats } from "../types.js";
import type { WireContainerStats, WirePodSandboxStats } from "./wire.js";
import { wireBigInt, wireBigIntValue, wireNumber } from "./wire-values.js";

export function containerStatsFromWire(s: WireContainerStats): ContainerStats {
  const cpuTime = wireBigInt(s.cpu?.timestamp);
  const memTime = wireBigInt(s.memory?.timestamp);
  return {
    id: s.attributes?.id ?? "",
    timestamp: cpuTime > memTime ? cpuTime : memTime,
    cpuUsageCoreNanoSeconds: wireBigIntValue(s.cpu?.usage_core_nano_seconds),
    memoryWorkingSetBytes: wireNumber(s.memory?.working_set_bytes),
    memoryUsageBytes: wireNumber(s.memory?.usage_bytes),
    ...(s.writable_layer?.used_bytes ? { writableLayerBytes: wireNumber(s.writable_layer.used_bytes) } : {}),
  };
}

export function podSandboxStatsFromWire(s: WirePodSandboxStats): PodSandboxStats {
  const containers = (s.linux?.containers ?? []).map(containerStatsFromWire);
  return {
    id: s.attributes?.id ?? "",
    timestamp: wireBigInt(s.linux?.cpu?.timestamp ?? s.linux?.memory?.timestamp),
    cpuUsageCoreNanoSeconds: wireBigIntValue(s.linux?.cpu?.usage_core_nano_seconds),
    memoryWorkingSetBytes: wireNumber(s.linux?.memory?.working_set_bytes),
    containers,
  };
}

/**
 * Sandbox stats summed from its containers' stats, for runtimes without PodSandboxStats
 * (containerd 1.6). The pause process's own few hundred KiB are not counted.
 */
export function sumSandboxStats(
  id: string,
  containers: readonly ContainerStats[],
  now: bigint,
): PodSandboxStats {
  let cpu = 0n;
  let memory = 0;
  let timestamp = 0n;
  for (const c of containers) {
    cpu += c.cpuUsageCoreNanoSeconds;
    memory += c.memoryWorkingSetBytes;
    if (c.timestamp > timestamp) timestamp = c.timestamp;
  }
  return {
    id,
    timestamp: timestamp === 0n ? now : timestamp,
    cpuUsageCoreNanoSeconds: cpu,
    memoryWorkingSetBytes: memory,
    containers: [...containers],
  };
}
