/** The process metrics every Kubernetes component's Go registry exports, read from /proc. */
import { readdir } from "node:fs/promises";
import { readKernelFile } from "../kernel-file.js";

/** client_golang's process collector: CPU, memory, file descriptors and start time from /proc. */
export async function processMetrics(): Promise<string> {
  const [status, limits, fds] = await Promise.all([
    readKernelFile("/proc/self/status").catch(() => ""),
    readKernelFile("/proc/self/limits").catch(() => ""),
    readdir("/proc/self/fd").catch(() => [] as string[]),
  ]);
  const cpu = process.cpuUsage();
  const virtualKiB = Number(/^VmSize:\s+(\d+) kB$/m.exec(status)?.[1] ?? 0);
  const maxFds = /^Max open files\s+(\d+)/m.exec(limits)?.[1];
  const startSeconds = Math.round(Date.now() / 1000 - process.uptime());
  const rows: [string, string, "counter" | "gauge", number | undefined][] = [
    [
      "process_cpu_seconds_total",
      "Total user and system CPU time spent in seconds.",
      "counter",
      (cpu.user + cpu.system) / 1e6,
    ],
    [
      "process_max_fds",
      "Maximum number of open file descriptors.",
      "gauge",
      maxFds ? Number(maxFds) : undefined,
    ],
    ["process_open_fds", "Number of open file descriptors.", "gauge", fds.length],
    ["process_resident_memory_bytes", "Resident memory size in bytes.", "gauge", process.memoryUsage.rss()],
    [
      "process_start_time_seconds",
      "Start time of the process since unix epoch in seconds.",
      "gauge",
      startSeconds,
    ],
    ["process_virtual_memory_bytes", "Virtual memory size in bytes.", "gauge", virtualKiB * 1024],
  ];
  let out = "";
  for (const [name, help, type, value] of rows) {
    if (value === undefined) continue;
    out += `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${name} ${value}\n`;
  }
  return out;
}
