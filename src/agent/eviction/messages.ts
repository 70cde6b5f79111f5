/**
 * The kubelet's eviction reason and messages (kubelet: eviction/helpers.go evictionMessage and
 * the *MessageFmt constants), so that `kubectl describe` reads the same.
 */
import type { IPod } from "kubernetes-models/v1";
import { parseQuantity, Quantity } from "../../common/quantity.js";
import type { Observations } from "./observations.js";
import type { PodStats } from "./pod-stats.js";
import {
  SIGNAL_TO_RESOURCE,
  thresholdQuantity,
  type NodeConditionType,
  type ReclaimResource,
  type Threshold,
} from "./thresholds.js";

/** kubelet: eviction.Reason, the pod status reason and the event reason. */
export const REASON_EVICTED = "Evicted";

/** A byte (or count) amount as the kubelet prints it: resource.NewQuantity(n, BinarySI).String(). */
export function binaryQuantity(n: number | bigint): string {
  return Quantity.fromValue(typeof n === "bigint" ? n : BigInt(Math.floor(n)), "BinarySI").toString();
}

/** kubelet: nodeConditionMessageFmt with Go's %v of a slice: "The node had condition: [MemoryPressure]. " */
export function nodeConditionMessage(conditions: readonly NodeConditionType[]): string {
  return `The node had condition: [${conditions.join(" ")}]. `;
}

/** kubelet: emptyDirMessageFmt. */
export function emptyDirMessage(volume: string, limit: string): string {
  return `Usage of EmptyDir volume ${JSON.stringify(volume)} exceeds the limit ${JSON.stringify(limit)}. `;
}

/** kubelet: containerEphemeralStorageMessageFmt. */
export function containerEphemeralStorageMessage(container: string, limit: string): string {
  return `Container ${container} exceeded its local ephemeral storage limit ${JSON.stringify(limit)}. `;
}

/** kubelet: podEphemeralStorageMessageFmt. */
export function podEphemeralStorageMessage(limit: string): string {
  return `Pod ephemeral local storage usage exceeds the total limit of containers ${limit}. `;
}

/** The request text as the kubelet prints it ("0" when there is none). */
function requestText(raw: string | number | undefined): { text: string; value: bigint } {
  if (raw === undefined) return { text: "0", value: 0n };
  try {
    const q = parseQuantity(raw);
    return { text: q.toString(), value: q.value() };
  } catch {
    return { text: "0", value: 0n };
  }
}

/**
 * kubelet: evictionMessage. "The node was low on resource: R. ", the threshold met for R and what
 * was available, then each container using more of R than it requested.
 */
export function evictionMessage(
  resource: ReclaimResource,
  pod: IPod,
  stats: PodStats | undefined,
  thresholds: readonly Threshold[],
  observations: Observations,
): string {
  let message = `The node was low on resource: ${resource}. `;
  const met = thresholds.find((t) => SIGNAL_TO_RESOURCE[t.signal] === resource);
  const observed = met === undefined ? undefined : observations.get(met.signal);
  if (met !== undefined && observed !== undefined) {
    const quantity =
      met.value.kind === "quantity"
        ? Quantity.fromValue(met.value.value, "BinarySI").toString()
        : binaryQuantity(thresholdQuantity(met, observed.capacity));
    message += `Threshold quantity: ${quantity}, available: ${binaryQuantity(observed.available)}. `;
  }
  if (stats === undefined || (resource !== "memory" && resource !== "ephemeral-storage")) return message;
  for (const usage of stats.containers) {
    const container = pod.spec?.containers.find((c) => c.name === usage.name);
    if (container === undefined) continue;
    const request = requestText(container.resources?.requests?.[resource]);
    const used = resource === "memory" ? usage.memoryWorkingSetBytes : usage.rootfsBytes + usage.logsBytes;
    if (BigInt(Math.floor(used)) > request.value) {
      message += `Container ${container.name} was using ${binaryQuantity(used)}, request is ${request.text}, has larger consumption of ${resource}. `;
    }
  }
  return message;
}
