/** What the scheduler derives once from a pod: its key, requests, host ports and affinity terms. */
import type { IPod, IPodAffinityTerm, IWeightedPodAffinityTerm } from "kubernetes-models/v1";
import { CPU, MEMORY, podRequests, type Resources } from "./resources.js";

export interface HostPort {
  readonly ip: string;
  readonly protocol: string;
  readonly port: number;
}

export interface PodInfo {
  readonly pod: IPod;
  readonly key: string;
  readonly uid: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly requests: Resources;
  /** cpu and memory with the scoring defaults for missing requests. */
  readonly nonZeroCpu: number;
  readonly nonZeroMemory: number;
  readonly hostPorts: readonly HostPort[];
  readonly requiredAffinity: readonly IPodAffinityTerm[];
  readonly requiredAntiAffinity: readonly IPodAffinityTerm[];
  readonly preferredAffinity: readonly IWeightedPodAffinityTerm[];
  readonly preferredAntiAffinity: readonly IWeightedPodAffinityTerm[];
}

export const ANY_HOST_IP = "0.0.0.0";

export function podKey(pod: IPod): string {
  return `${pod.metadata?.namespace ?? ""}/${pod.metadata?.name ?? ""}`;
}

/** Host ports of app containers and sidecars (scheduler util GetHostPorts). */
function hostPorts(pod: IPod): HostPort[] {
  const out: HostPort[] = [];
  const containers = [
    ...(pod.spec?.containers ?? []),
    ...(pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === "Always"),
  ];
  for (const c of containers) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort || p.hostPort <= 0) continue;
      out.push({ ip: p.hostIP || ANY_HOST_IP, protocol: p.protocol ?? "TCP", port: p.hostPort });
    }
  }
  return out;
}

export function podInfo(pod: IPod): PodInfo {
  const nonZero = podRequests(pod, true);
  const affinity = pod.spec?.affinity;
  return {
    pod,
    key: podKey(pod),
    uid: pod.metadata?.uid ?? podKey(pod),
    namespace: pod.metadata?.namespace ?? "",
    labels: pod.metadata?.labels ?? {},
    requests: podRequests(pod),
    nonZeroCpu: nonZero[CPU] ?? 0,
    nonZeroMemory: nonZero[MEMORY] ?? 0,
    hostPorts: hostPorts(pod),
    requiredAffinity: affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [],
    requiredAntiAffinity: affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [],
    preferredAffinity: affinity?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [],
    preferredAntiAffinity: affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [],
  };
}
