/**
 * The pod's QoS class, as pkg/apis/core/v1/helper/qos GetPodQOS computes it: only cpu and memory
 * count, only values above zero, summed over init and app containers. Guaranteed needs a cpu and a
 * memory limit on every container and the summed requests equal to the summed limits.
 * Requests are taken with the API server's default (limit when no request), see requests.ts.
 */
import type { IPod } from "kubernetes-models/v1";
import { allContainers, containerCpuMemory } from "./requests.js";

export type QosClass = "Guaranteed" | "Burstable" | "BestEffort";

export function qosClass(pod: IPod): QosClass {
  const requests = new Map<string, number>();
  const limits = new Map<string, number>();
  let guaranteed = true;
  for (const container of allContainers(pod)) {
    const { requests: req, limits: lim } = containerCpuMemory(container);
    const add = (map: Map<string, number>, key: string, value: number | undefined): boolean => {
      if (value === undefined || value <= 0) return false;
      map.set(key, (map.get(key) ?? 0) + value);
      return true;
    };
    add(requests, "cpu", req.cpuMilli);
    add(requests, "memory", req.memoryBytes);
    const cpuLimit = add(limits, "cpu", lim.cpuMilli);
    const memoryLimit = add(limits, "memory", lim.memoryBytes);
    if (!cpuLimit || !memoryLimit) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return "BestEffort";
  if (guaranteed) {
    for (const [name, request] of requests) {
      if (limits.get(name) !== request) {
        guaranteed = false;
        break;
      }
    }
  }
  return guaranteed && requests.size === limits.size ? "Guaranteed" : "Burstable";
}
