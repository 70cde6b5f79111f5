/**
 * The limits of a pod-level cgroup, as pkg/kubelet/cm ResourceConfigForPod sets them:
 * Guaranteed gets shares, quota and memory; Burstable gets shares, and quota (memory) only when
 * every container has a cpu (memory) limit; BestEffort gets the minimum shares only.
 */
import type { IPod } from "kubernetes-models/v1";
import { MIN_SHARES, QUOTA_PERIOD_US, milliCpuToQuota, milliCpuToShares } from "./cpu.js";
import { qosClass } from "./qos.js";
import { allContainers, containerCpuMemory, podLimits, podRequests } from "./requests.js";

/** What berth writes into a cgroup; an absent field is left as the kernel has it. */
export interface CgroupResourceConfig {
  readonly cpuShares?: number;
  readonly cpuQuotaUs?: number;
  readonly cpuPeriodUs?: number;
  readonly memoryLimitBytes?: number;
}

export function podResourceConfig(pod: IPod): CgroupResourceConfig {
  const qos = qosClass(pod);
  if (qos === "BestEffort") return { cpuShares: MIN_SHARES };
  const requests = podRequests(pod);
  const limits = podLimits(pod);
  const shares = milliCpuToShares(requests.cpuMilli);
  const quota = milliCpuToQuota(limits.cpuMilli);
  let cpuLimited = true;
  let memoryLimited = true;
  for (const container of allContainers(pod)) {
    const lim = containerCpuMemory(container).limits;
    if ((lim.cpuMilli ?? 0) <= 0) cpuLimited = false;
    if ((lim.memoryBytes ?? 0) <= 0) memoryLimited = false;
  }
  if (qos === "Guaranteed") {
    cpuLimited = true;
    memoryLimited = true;
  }
  return {
    cpuShares: shares,
    ...(cpuLimited && quota !== undefined ? { cpuQuotaUs: quota, cpuPeriodUs: QUOTA_PERIOD_US } : {}),
    ...(memoryLimited && limits.memoryBytes > 0 ? { memoryLimitBytes: limits.memoryBytes } : {}),
  };
}
