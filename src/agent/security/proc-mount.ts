/**
 * procMount -> the /proc paths the runtime masks and makes read-only (kubelet:
 * securitycontext.ConvertToRuntimeMaskedPaths / ConvertToRuntimeReadonlyPaths). The kubelet sends
 * the default lists explicitly: a CRI runtime applies the lists it is given, and an empty list
 * means nothing is masked.
 */
import type { ProcPaths } from "../../runtime/index.js";

/** kubelet: securitycontext defaultMaskedPaths (Docker's defaults). */
export const DEFAULT_MASKED_PATHS: readonly string[] = [
  "/proc/asound",
  "/proc/acpi",
  "/proc/kcore",
  "/proc/keys",
  "/proc/latency_stats",
  "/proc/timer_list",
  "/proc/timer_stats",
  "/proc/sched_debug",
  "/proc/scsi",
  "/sys/firmware",
  "/sys/devices/virtual/powercap",
];

/** kubelet: securitycontext defaultReadonlyPaths. */
export const DEFAULT_READONLY_PATHS: readonly string[] = [
  "/proc/bus",
  "/proc/fs",
  "/proc/irq",
  "/proc/sys",
  "/proc/sysrq-trigger",
];

/** `Unmasked` masks nothing; `Default` (or none) masks the defaults. */
export function procPaths(procMount: string | undefined): ProcPaths {
  if (procMount === "Unmasked") return { maskedPaths: [], readonlyPaths: [] };
  return { maskedPaths: [...DEFAULT_MASKED_PATHS], readonlyPaths: [...DEFAULT_READONLY_PATHS] };
}
