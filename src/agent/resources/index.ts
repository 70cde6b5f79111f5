export { type QosClass, qosClass } from "./qos.js";
export {
  type CpuMemory,
  type ContainerCpuMemory,
  containerCpuMemory,
  type PodTotals,
  podRequests,
  podLimits,
  isRestartableInitContainer,
} from "./requests.js";
export * from "./cpu.js";
export {
  containerOomScoreAdj,
  isCriticalPod,
  isNodeCriticalPod,
  GUARANTEED_OOM_SCORE_ADJ,
  BESTEFFORT_OOM_SCORE_ADJ,
  KUBELET_OOM_SCORE_ADJ,
} from "./oom-score-adj.js";
export { containerLinuxResources } from "./container-resources.js";
export { type CgroupResourceConfig, podResourceConfig } from "./pod-resources.js";
export type { CgroupDriver } from "./cgroup-name.js";
export type { CgroupVersion } from "./cgroup-hierarchy.js";
export type { CgroupFs } from "./cgroup-fs.js";
export {
  PodCgroups,
  type PodCgroupsOptions,
  detectCgroupVersion,
  DEFAULT_CGROUP_MOUNT,
} from "./pod-cgroups.js";
export * from "./admission.js";
