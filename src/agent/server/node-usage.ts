/**
 * The node's own CPU and memory, read from /proc as the kubelet's root-cgroup numbers approximate
 * them: cumulative CPU time of every non-idle state in /proc/stat, and working set as MemTotal
 * minus MemAvailable from /proc/meminfo.
 */
import { readKernelFile } from "../../common/index.js";

/** USER_HZ: /proc/stat counts in 1/100 s. */
const NANOS_PER_TICK = 10_000_000n;

export interface NodeUsage {
  readonly cpuUsageCoreNanoSeconds: bigint;
  readonly memoryWorkingSetBytes: number;
  readonly memoryAvailableBytes: number;
  readonly memoryUsageBytes: number;
}

export function parseProcStat(text: string): bigint {
  const line = text.split("\n").find((l) => l.startsWith("cpu "));
  if (line === undefined) return 0n;
  // user nice system idle iowait irq softirq steal: idle and iowait are not usage.
  const fields = line
    .trim()
    .split(/\s+/)
    .slice(1)
    .map((f) => BigInt(f));
  const [user = 0n, nice = 0n, system = 0n, , , irq = 0n, softirq = 0n, steal = 0n] = fields;
  return (user + nice + system + irq + softirq + steal) * NANOS_PER_TICK;
}

export function parseMeminfo(text: string): {
  totalBytes: number;
  availableBytes: number;
  freeBytes: number;
} {
  const kib = (key: string): number => {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(text);
    return m?.[1] === undefined ? 0 : Number(m[1]) * 1024;
  };
  return { totalBytes: kib("MemTotal"), availableBytes: kib("MemAvailable"), freeBytes: kib("MemFree") };
}

export async function readNodeUsage(procDir = "/proc"): Promise<NodeUsage> {
  const [stat, meminfo] = await Promise.all([
    readKernelFile(`${procDir}/stat`),
    readKernelFile(`${procDir}/meminfo`),
  ]);
  const mem = parseMeminfo(meminfo);
  return {
    cpuUsageCoreNanoSeconds: parseProcStat(stat),
    memoryWorkingSetBytes: mem.totalBytes - mem.availableBytes,
    memoryAvailableBytes: mem.availableBytes,
    memoryUsageBytes: mem.totalBytes - mem.freeBytes,
  };
}
