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

function amount(
  map: QuantityMap,
  resource: "cpu" | "memory" | "ephemeral-storage",
  where: string,
): number | undefined {
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

type Resource = "cpu" | "memory" | "ephemeral-storage";

/** Pod totals: cpu in milli-cores, memory and ephemeral storage in bytes; 0 where none. */
export interface PodTotals {
  readonly cpuMilli: number;
  readonly memoryBytes: number;
  readonly ephemeralStorageBytes: number;
}

/** One container's amount of a resource of one kind; a missing request takes the limit. */
function containerAmount(container: IContainer, kind: "requests" | "limits", resource: Resource): number {
  const where = `container "${container.name}" resources`;
  const limit = amount(container.resources?.limits, resource, `${where}.limits`);
  if (kind === "limits") return limit ?? 0;
  return amount(container.resources?.requests, resource, `${where}.requests`) ?? limit ?? 0;
}

/**
 * The pod's effective total of one resource and kind, as PodRequests/PodLimits compute it: the
 * app containers and sidecars add up; each plain init container runs beside the sidecars started
 * before it, so the pod needs the larger of the two; the pod overhead comes on top (for limits
 * only where a limit already exists).
 */
function podTotal(pod: IPod, kind: "requests" | "limits", resource: Resource): number {
  const spec = pod.spec;
  let sum = 0;
  for (const c of spec?.containers ?? []) sum += containerAmount(c, kind, resource);
  let sidecars = 0;
  let initMax = 0;
  for (const c of spec?.initContainers ?? []) {
    const value = containerAmount(c, kind, resource);
    let step: number;
    if (isRestartableInitContainer(c)) {
      sum += value;
      sidecars += value;
      step = sidecars;
    } else {
      step = value + sidecars;
    }
    initMax = Math.max(initMax, step);
  }
  let total = Math.max(sum, initMax);
  const overhead = amount(spec?.overhead, resource, "spec.overhead") ?? 0;
  if (kind === "requests" || total > 0) total += overhead;
  return total;
}

function podTotals(pod: IPod, kind: "requests" | "limits"): PodTotals {
  return {
    cpuMilli: podTotal(pod, kind, "cpu"),
    memoryBytes: podTotal(pod, kind, "memory"),
    ephemeralStorageBytes: podTotal(pod, kind, "ephemeral-storage"),
  };
}

/** The pod's requests: what admission and the QoS cgroups count. */
export function podRequests(pod: IPod): PodTotals {
  return podTotals(pod, "requests");
}

/** The pod's limits: what the pod cgroup is capped at. */
export function podLimits(pod: IPod): PodTotals {
  return podTotals(pod, "limits");
}

/** Every container of the pod, init containers first. */
export function allContainers(pod: IPod): readonly IContainer[] {
  return [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
}
