/**
 * Local storage capacity isolation (kubelet: localStorageEviction): a pod whose emptyDir uses more
 * than its sizeLimit, whose local storage use exceeds the sum of its containers' ephemeral-storage
 * limits, or with a container over its own limit, is evicted at once. Checked in that order; the
 * first that applies gives the message.
 */
import type { IPod } from "kubernetes-models/v1";
import { parseQuantity } from "../../common/quantity.js";
import {
  containerEphemeralStorageMessage,
  emptyDirMessage,
  podEphemeralStorageMessage,
  binaryQuantity,
} from "./messages.js";
import type { PodStats } from "./pod-stats.js";

function quantity(raw: string | number | undefined): { text: string; value: bigint } | undefined {
  if (raw === undefined) return undefined;
  try {
    const q = parseQuantity(raw);
    return q.sign() > 0 ? { text: q.toString(), value: q.value() } : undefined;
  } catch {
    return undefined;
  }
}

/** kubelet: emptyDirLimitEviction. */
function emptyDirOverLimit(pod: IPod, stats: PodStats): string | undefined {
  for (const volume of pod.spec?.volumes ?? []) {
    const limit = quantity(volume.emptyDir?.sizeLimit);
    const used = stats.volumes.get(volume.name);
    if (limit === undefined || used === undefined) continue;
    if (BigInt(used.bytes) > limit.value) return emptyDirMessage(volume.name, limit.text);
  }
  return undefined;
}

/** kubelet: podEphemeralStorageLimitEviction (containers' rootfs and logs plus disk-backed emptyDirs). */
function podOverLimit(pod: IPod, stats: PodStats): string | undefined {
  let total = 0n;
  for (const c of pod.spec?.containers ?? []) {
    const limit = quantity(c.resources?.limits?.["ephemeral-storage"]);
    // kubelet: only pods whose every container has a limit have a pod limit to exceed.
    if (limit === undefined) return undefined;
    total += limit.value;
  }
  if (total === 0n) return undefined;
  let used = 0;
  for (const c of stats.containers) used += c.rootfsBytes + c.logsBytes;
  for (const volume of pod.spec?.volumes ?? []) {
    if (volume.emptyDir === undefined || volume.emptyDir.medium === "Memory") continue;
    used += stats.volumes.get(volume.name)?.bytes ?? 0;
  }
  return BigInt(used) > total ? podEphemeralStorageMessage(binaryQuantity(total)) : undefined;
}

/** kubelet: containerEphemeralStorageLimitEviction (rootfs plus logs). */
function containerOverLimit(pod: IPod, stats: PodStats): string | undefined {
  for (const usage of stats.containers) {
    const spec = pod.spec?.containers.find((c) => c.name === usage.name);
    const limit = quantity(spec?.resources?.limits?.["ephemeral-storage"]);
    if (spec === undefined || limit === undefined) continue;
    if (BigInt(usage.rootfsBytes + usage.logsBytes) > limit.value) {
      return containerEphemeralStorageMessage(spec.name, limit.text);
    }
  }
  return undefined;
}

/** The message for a pod over one of its local storage limits, or undefined. */
export function localStorageViolation(pod: IPod, stats: PodStats | undefined): string | undefined {
  if (stats === undefined) return undefined;
  return emptyDirOverLimit(pod, stats) ?? podOverLimit(pod, stats) ?? containerOverLimit(pod, stats);
}
