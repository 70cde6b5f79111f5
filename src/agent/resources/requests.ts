/**
 * The cpu and memory a container and a pod ask for, as numbers the rest of this room computes with.
 *
 * Compare with k8s.io/component-helpers/resource (PodRequests, PodLimits). A request left out while
 * its limit is set counts as the limit: the API server defaults it that way (SetDefaults_Pod) and
 * the kubelet repeats the rule for containers it did not default itself.
 */
import type { IContainer, IPod } from "kubernetes-models/v1";
import { BerthError, ErrorCode, errorMessage, parseQuantity } from "../../common/index.js";

/** cpu in milli-cores and memory in bytes; undefined where the spec says nothing. */
export interface CpuMemory {
  readonly cpuMilli?: number;
  readonly memoryBytes?: number;
}

export interface ContainerCpuMemory {
  /** Requests with the limit-as-request default applied. */
  readonly requests: CpuMemory;
  readonly limits: CpuMemory;
}

type QuantityMap = Readonly<Record<string, string | number>> | undefined;

function amount(map: QuantityMap, resource: "cpu" | "memory", where: string): number | undefined {
  const raw = map?.[resource];
  if (raw === undefined) return undefined;
  try {
    const q = parseQuantity(raw);
    const value = resource === "cpu" ? q.milliValue() : q.value();
    if (value < 0n) throw new BerthError(ErrorCode.Invalid, "must be greater than or equal to 0");
    return Number(value);
  } catch (err) {
    throw new BerthError(ErrorCode.Invalid, `${where}.${resource}: ${errorMessage(err)}`, {
      cause: err,
      details: { field: `${where}.${resource}`, value: raw },
    });
  }
}

/** Parsed cpu and memory of one container; throws BerthError Invalid for a malformed quantity. */
export function containerCpuMemory(container: IContainer): ContainerCpuMemory {
  const where = `container "${container.name}" resources`;
  const limits: CpuMemory = {
    cpuMilli: amount(container.resources?.limits, "cpu", `${where}.limits`),
    memoryBytes: amount(container.resources?.limits, "memory", `${where}.limits`),
  };
  const requests: CpuMemory = {
    cpuMilli: amount(container.resources?.requests, "cpu", `${where}.requests`) ?? limits.cpuMilli,
    memoryBytes: amount(container.resources?.requests, "memory", `${where}.requests`) ?? limits.memoryBytes,
  };
  return { requests, limits };
}

/** An init container with restartPolicy Always runs beside the app containers (a sidecar). */
export function isRestartableInitContainer(container: IContainer): boolean {
  return container.restartPolicy === "Always";
}

interface Totals {
  cpuMilli: number;
  memoryBytes: number;
}

/**
 * The pod's effective total of one kind (requests or limits), as PodRequests/PodLimits compute it:
 * the app containers and sidecars add up; each plain init container runs alone beside the sidecars
 * started before it, so the pod needs the larger of the two; the pod overhead comes on top
 * (for limits only where a limit already exists).
 */
function podTotals(pod: IPod, kind: "requests" | "limits"): Totals {
  const spec = pod.spec;
  const sum: Totals = { cpuMilli: 0, memoryBytes: 0 };
  for (const c of spec?.containers ?? []) {
    const r = containerCpuMemory(c)[kind];
    sum.cpuMilli += r.cpuMilli ?? 0;
    sum.memoryBytes += r.memoryBytes ?? 0;
  }
  const sidecars: Totals = { cpuMilli: 0, memoryBytes: 0 };
  const initMax: Totals = { cpuMilli: 0, memoryBytes: 0 };
  for (const c of spec?.initContainers ?? []) {
    const r = containerCpuMemory(c)[kind];
    const cpu = r.cpuMilli ?? 0;
    const mem = r.memoryBytes ?? 0;
    let stepCpu: number;
    let stepMem: number;
    if (isRestartableInitContainer(c)) {
      sum.cpuMilli += cpu;
      sum.memoryBytes += mem;
      sidecars.cpuMilli += cpu;
      sidecars.memoryBytes += mem;
      stepCpu = sidecars.cpuMilli;
      stepMem = sidecars.memoryBytes;
    } else {
      stepCpu = cpu + sidecars.cpuMilli;
      stepMem = mem + sidecars.memoryBytes;
    }
    initMax.cpuMilli = Math.max(initMax.cpuMilli, stepCpu);
    initMax.memoryBytes = Math.max(initMax.memoryBytes, stepMem);
  }
  const total: Totals = {
    cpuMilli: Math.max(sum.cpuMilli, initMax.cpuMilli),
    memoryBytes: Math.max(sum.memoryBytes, initMax.memoryBytes),
  };
  const overhead = spec?.overhead;
  if (overhead !== undefined) {
    const cpu = amount(overhead, "cpu", "spec.overhead") ?? 0;
    const mem = amount(overhead, "memory", "spec.overhead") ?? 0;
    if (kind === "requests" || total.cpuMilli > 0) total.cpuMilli += cpu;
    if (kind === "requests" || total.memoryBytes > 0) total.memoryBytes += mem;
  }
  return total;
}

/** The pod's requests (0 where none): what admission and the QoS cgroups count. */
export function podRequests(pod: IPod): { readonly cpuMilli: number; readonly memoryBytes: number } {
  return podTotals(pod, "requests");
}

/** The pod's limits (0 where none): what the pod cgroup is capped at. */
export function podLimits(pod: IPod): { readonly cpuMilli: number; readonly memoryBytes: number } {
  return podTotals(pod, "limits");
}

/** Every container of the pod, init containers first. */
export function allContainers(pod: IPod): readonly IContainer[] {
  return [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
}
