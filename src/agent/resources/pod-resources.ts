/**
 * The limits of a pod-level cgroup, as pkg/kubelet/cm ResourceConfigForPod sets them:
 * Guaranteed gets shares, quota and memory; Burstable gets shares, and quota (memory) only when
 * every container has a cpu (memory) limit (an init container counting the sidecars started before
 * it, as PodLimits reports it); BestEffort gets the minimum shares only.
 */
import type { IPod } from "kubernetes-models/v1";
import { MIN_SHARES, QUOTA_PERIOD_US, milliCpuToQuota, milliCpuToShares } from "./cpu.js";
import { qosClass } from "./qos.js";
import { containerCpuMemory, isRestartableInitContainer, podLimits, podRequests } from "./requests.js";

/** What berth writes into a cgroup; an absent field is left as the kernel has it. */
export interface CgroupResourceConfig {
  readonly cpuShares?: number;
  readonly cpuQuotaUs?: number;
  readonly cpuPeriodUs?: number;
  readonly memoryLimitBytes?: number;
  /** pids.max (kubelet: podPidsLimit, set only when positive). */
  readonly pidsLimit?: number;
}

/** The pod cgroup's limits; `podPidsLimit` (positive) caps the pod's processes in every QoS class. */
export function podResourceConfig(pod: IPod, podPidsLimit?: number): CgroupResourceConfig {
  const pids = podPidsLimit !== undefined && podPidsLimit > 0 ? { pidsLimit: podPidsLimit } : {};
  const qos = qosClass(pod);
  if (qos === "BestEffort") return { cpuShares: MIN_SHARES, ...pids };
  const requests = podRequests(pod);
  const limits = podLimits(pod);
  const shares = milliCpuToShares(requests.cpuMilli);
  const quota = milliCpuToQuota(limits.cpuMilli);
  // As PodLimits' ContainerFn sees them: app containers alone, an init container together with
  // the sidecars started before it.
  let cpuLimited = true;
  let memoryLimited = true;
  const check = (cpu: number, memory: number): void => {
    if (cpu <= 0) cpuLimited = false;
    if (memory <= 0) memoryLimited = false;
  };
  for (const container of pod.spec?.containers ?? []) {
    const lim = containerCpuMemory(container).limits;
    check(lim.cpuMilli ?? 0, lim.memoryBytes ?? 0);
  }
  const sidecars = { cpu: 0, memory: 0 };
  for (const container of pod.spec?.initContainers ?? []) {
    const lim = containerCpuMemory(container).limits;
    if (isRestartableInitContainer(container)) {
      sidecars.cpu += lim.cpuMilli ?? 0;
      sidecars.memory += lim.memoryBytes ?? 0;
      check(sidecars.cpu, sidecars.memory);
    } else {
      check((lim.cpuMilli ?? 0) + sidecars.cpu, (lim.memoryBytes ?? 0) + sidecars.memory);
    }
  }
  if (qos === "Guaranteed") {
    cpuLimited = true;
    memoryLimited = true;
  }
  return {
    cpuShares: shares,
    ...(cpuLimited && quota !== undefined ? { cpuQuotaUs: quota, cpuPeriodUs: QUOTA_PERIOD_US } : {}),
    ...(memoryLimited && limits.memoryBytes > 0 ? { memoryLimitBytes: limits.memoryBytes } : {}),
    ...pids,
  };
}
