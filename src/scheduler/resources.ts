/**
 * Resource arithmetic of the scheduler: requests of a pod as component-helpers' PodRequests
 * computes them (app containers, sidecars, the init container peak, overhead) and a node's
 * allocatable. CPU is counted in millicores, every other resource in its base unit.
 */
import type { IContainer, INode, IPod } from "kubernetes-models/v1";
import { parseQuantity } from "../common/quantity.js";

export type Resources = Record<string, number>;

export const CPU = "cpu";
export const MEMORY = "memory";
export const PODS = "pods";
export const EPHEMERAL_STORAGE = "ephemeral-storage";

// scheduler util: DefaultMilliCPURequest, DefaultMemoryRequest (used for scoring only)
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

/** A quantity in the resource's scheduler unit (millicores for cpu); 0 when unparsable. */
export function resourceAmount(name: string, value: string | number | undefined): number {
  if (value === undefined) return 0;
  try {
    const q = parseQuantity(value);
    return Number(name === CPU ? q.milliValue() : q.value());
  } catch {
    return 0;
  }
}

function resourceList(list: Readonly<Record<string, unknown>> | undefined): Resources {
  const out: Resources = {};
  for (const [name, value] of Object.entries(list ?? {})) {
    if (typeof value === "string" || typeof value === "number") out[name] = resourceAmount(name, value);
  }
  return out;
}

function addInto(target: Resources, add: Resources): void {
  for (const [k, v] of Object.entries(add)) target[k] = (target[k] ?? 0) + v;
}

function maxInto(target: Resources, other: Resources): void {
  for (const [k, v] of Object.entries(other)) if (v > (target[k] ?? 0)) target[k] = v;
}

function containerRequests(c: IContainer, nonZero: boolean): Resources {
  const requests = resourceList(c.resources?.requests as Record<string, unknown> | undefined);
  if (nonZero) {
    requests[CPU] ??= DEFAULT_MILLI_CPU_REQUEST;
    requests[MEMORY] ??= DEFAULT_MEMORY_REQUEST;
  }
  return requests;
}

/**
 * component-helpers resource.PodRequests: app containers and sidecars (restartable init
 * containers) add up; a regular init container runs alone beside the sidecars started before it,
 * so the pod needs the larger of the two; overhead adds on top. `nonZero` fills a container's
 * missing cpu and memory requests with the scheduler's defaults (NonMissingContainerRequests).
 */
export function podRequests(pod: IPod, nonZero = false): Resources {
  const spec = pod.spec;
  const total: Resources = {};
  for (const c of spec?.containers ?? []) addInto(total, containerRequests(c, nonZero));
  const sidecars: Resources = {};
  const initPeak: Resources = {};
  for (const c of spec?.initContainers ?? []) {
    const requests = containerRequests(c, nonZero);
    if (c.restartPolicy === "Always") {
      addInto(total, requests);
      addInto(sidecars, requests);
      maxInto(initPeak, { ...sidecars });
    } else {
      const running = { ...requests };
      addInto(running, sidecars);
      maxInto(initPeak, running);
    }
  }
  maxInto(total, initPeak);
  addInto(total, resourceList(spec?.overhead as Record<string, unknown> | undefined));
  return total;
}

/** node.status.allocatable in scheduler units. */
export function nodeAllocatable(node: INode): Resources {
  return resourceList(node.status?.allocatable as Record<string, unknown> | undefined);
}

export function addResources(target: Resources, add: Resources, sign: 1 | -1 = 1): void {
  for (const [k, v] of Object.entries(add)) target[k] = (target[k] ?? 0) + sign * v;
}
