/** CFS conversions of pkg/kubelet/cm (helpers_linux.go) and the cgroup v2 weight mapping. */

/** kubelet: MinShares */
export const MIN_SHARES = 2;
/** kubelet: MaxShares */
export const MAX_SHARES = 262144;
/** kubelet: SharesPerCPU */
export const SHARES_PER_CPU = 1024;
/** kubelet: MilliCPUToCPU */
export const MILLI_CPU_TO_CPU = 1000;
/** kubelet: QuotaPeriod (100 ms, in microseconds) */
export const QUOTA_PERIOD_US = 100000;
/** kubelet: MinQuotaPeriod (the smallest quota, 1 ms) */
export const MIN_QUOTA_US = 1000;

/** cpu.shares for a cpu request in milli-cores; no request gives the minimum 2. */
export function milliCpuToShares(milliCpu: number): number {
  if (milliCpu <= 0) return MIN_SHARES;
  const shares = Math.floor((milliCpu * SHARES_PER_CPU) / MILLI_CPU_TO_CPU);
  return Math.min(MAX_SHARES, Math.max(MIN_SHARES, shares));
}

/** CFS quota (us) for a cpu limit over the given period; undefined when there is no limit. */
export function milliCpuToQuota(milliCpu: number, periodUs = QUOTA_PERIOD_US): number | undefined {
  if (milliCpu <= 0) return undefined;
  return Math.max(MIN_QUOTA_US, Math.floor((milliCpu * periodUs) / MILLI_CPU_TO_CPU));
}

/** cgroup v2 cpu.weight for v1 shares (runc/libcontainer ConvertCPUSharesToCgroupV2Value). */
export function sharesToWeight(shares: number): number {
  if (shares <= 0) return 0;
  return 1 + Math.floor(((shares - 2) * 9999) / 262142);
}

/** The smallest shares that give `weight` (the inverse of sharesToWeight, for reading v2 back). */
export function weightToShares(weight: number): number {
  if (weight <= 1) return MIN_SHARES;
  return MIN_SHARES + Math.ceil(((weight - 1) * 262142) / 9999);
}

/** The smallest cpu request (milli) whose shares are `shares`; 0 for the minimum shares. */
export function sharesToMilliCpu(shares: number): number {
  if (shares <= MIN_SHARES) return 0;
  return Math.ceil((shares * MILLI_CPU_TO_CPU) / SHARES_PER_CPU);
}
