/**
 * The real machine as a CapacitySource: systeminformation for cpu, memory and kernel, /proc and
 * /etc files for ids and the os image, statfs for the root dir's filesystem.
 */
import { readdir, statfs } from "node:fs/promises";
import { readKernelFile } from "../../common/index.js";
import { createRequire } from "node:module";
import { networkInterfaces } from "node:os";
import type * as SystemInformation from "systeminformation";
import { BerthError, ErrorCode, errorMessage } from "../../common/errors.js";
import { goArch, type CapacitySource, type MachineInfo, type NodeMeasurements } from "./machine.js";

// Only the three systeminformation modules used here: its index loads all twenty (700 KB of
// source, about 1 MiB of the agent's RSS). They are CommonJS files the package does not hide
// behind an exports map; the types are the package's own.
const require = createRequire(import.meta.url);
const si = {
  ...(require("systeminformation/lib/cpu.js") as Pick<typeof SystemInformation, "cpu">),
  ...(require("systeminformation/lib/memory.js") as Pick<typeof SystemInformation, "mem">),
  ...(require("systeminformation/lib/osinfo.js") as Pick<typeof SystemInformation, "osInfo" | "uuid">),
};

async function readTrimmed(path: string): Promise<string> {
  try {
    return (await readKernelFile(path)).trim();
  } catch {
    return "";
  }
}

/** PRETTY_NAME of an os-release file's text ("Linux" when it has none, as cadvisor does). */
export function prettyName(osRelease: string): string {
  for (const line of osRelease.split("\n")) {
    const m = /^PRETTY_NAME=(.*)$/.exec(line.trim());
    if (m?.[1] !== undefined) return m[1].replace(/^(["'])(.*)\1$/, "$2");
  }
  return "Linux";
}

/** The interface name of the IPv4 default route in /proc/net/route text, if any. */
export function defaultRouteInterface(procNetRoute: string): string | undefined {
  for (const line of procNetRoute.split("\n").slice(1)) {
    const [iface, destination, , , , , , mask] = line.trim().split(/\s+/);
    if (iface && destination === "00000000" && mask === "00000000") return iface;
  }
  return undefined;
}

async function defaultAddress(): Promise<string | undefined> {
  const iface = defaultRouteInterface(await readTrimmed("/proc/net/route"));
  const all = networkInterfaces();
  const pick = (name: string) => all[name]?.find((a) => a.family === "IPv4" && !a.internal)?.address;
  if (iface !== undefined) {
    const address = pick(iface);
    if (address !== undefined) return address;
  }
  for (const name of Object.keys(all)) {
    const address = pick(name);
    if (address !== undefined) return address;
  }
  return undefined;
}

export class SystemCapacitySource implements CapacitySource {
  constructor(private readonly rootDir: string) {}

  async machineInfo(): Promise<MachineInfo> {
    try {
      const [cpu, mem, os, uuid, fs] = await Promise.all([
        si.cpu(),
        si.mem(),
        si.osInfo(),
        si.uuid(),
        statfs(this.rootDir),
      ]);
      const machineID =
        (await readTrimmed("/etc/machine-id")) || (await readTrimmed("/var/lib/dbus/machine-id")) || uuid.os;
      const address = await defaultAddress();
      return {
        cpuCores: cpu.cores,
        memoryBytes: mem.total,
        ephemeralStorageBytes: fs.blocks * fs.bsize,
        machineID,
        systemUUID: (await readTrimmed("/sys/class/dmi/id/product_uuid")) || uuid.hardware,
        bootID: await readTrimmed("/proc/sys/kernel/random/boot_id"),
        kernelVersion: os.kernel,
        osImage: prettyName(await readTrimmed("/etc/os-release")),
        architecture: goArch(process.arch),
        ...(address === undefined ? {} : { defaultAddress: address }),
      };
    } catch (err) {
      throw new BerthError(ErrorCode.Internal, `cannot read machine info: ${errorMessage(err)}`, {
        cause: err,
      });
    }
  }

  async measure(): Promise<NodeMeasurements> {
    try {
      const [mem, fs, pidMax, proc] = await Promise.all([
        si.mem(),
        statfs(this.rootDir),
        readTrimmed("/proc/sys/kernel/pid_max"),
        readdir("/proc"),
      ]);
      return {
        memoryAvailableBytes: mem.available,
        fsCapacityBytes: fs.blocks * fs.bsize,
        fsAvailableBytes: fs.bavail * fs.bsize,
        fsInodes: fs.files,
        fsInodesFree: fs.ffree,
        pidsInUse: proc.filter((name) => /^\d+$/.test(name)).length,
        pidMax: Number(pidMax) || 32768,
      };
    } catch (err) {
      throw new BerthError(ErrorCode.Internal, `cannot measure the node: ${errorMessage(err)}`, {
        cause: err,
      });
    }
  }
}
