/**
 * The Linux resources of one container, as kuberuntime generateLinuxContainerResources builds
 * them: cpu shares from the request (the limit when there is no request), CFS quota and period from
 * the cpu limit, the memory limit in bytes, and the oom_score_adj of the pod's QoS.
 */
import type { IContainer, IPod } from "kubernetes-models/v1";
import type { LinuxResources } from "../../runtime/index.js";
import { QUOTA_PERIOD_US, milliCpuToQuota, milliCpuToShares } from "./cpu.js";
import { containerOomScoreAdj } from "./oom-score-adj.js";
import { containerCpuMemory } from "./requests.js";

export function containerLinuxResources(
  pod: IPod,
  container: IContainer,
  nodeMemoryCapacityBytes: number,
): LinuxResources {
  const { requests, limits } = containerCpuMemory(container);
  const cpuLimit = limits.cpuMilli ?? 0;
  const quota = milliCpuToQuota(cpuLimit);
  const memoryLimit = limits.memoryBytes ?? 0;
  // A zero request (left out or written as 0) with a cpu limit takes its shares from the limit.
  const cpuRequest = requests.cpuMilli ?? 0;
  return {
    cpuShares: milliCpuToShares(cpuRequest > 0 ? cpuRequest : cpuLimit),
    ...(quota === undefined ? {} : { cpuQuota: quota, cpuPeriod: QUOTA_PERIOD_US }),
    ...(memoryLimit > 0 ? { memoryLimitBytes: memoryLimit } : {}),
    oomScoreAdj: containerOomScoreAdj(pod, container, nodeMemoryCapacityBytes),
  };
}
