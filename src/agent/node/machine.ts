/**
 * What the node controller reads from the machine, behind an interface so that unit tests inject
 * fixed numbers (the default reads the real machine: system-capacity.ts).
 */

/** Facts that do not change while the agent runs (kubelet: cadvisor MachineInfo + VersionInfo). */
export interface MachineInfo {
  /** Logical CPUs. */
  readonly cpuCores: number;
  readonly memoryBytes: number;
  /** Size of the filesystem holding the agent's root dir. */
  readonly ephemeralStorageBytes: number;
  readonly machineID: string;
  readonly systemUUID: string;
  readonly bootID: string;
  readonly kernelVersion: string;
  /** PRETTY_NAME of /etc/os-release, e.g. "Debian GNU/Linux 12 (bookworm)". */
  readonly osImage: string;
  /** GOARCH-style name: amd64, arm64, ... */
  readonly architecture: string;
  /** The address of the interface holding the default route, if any. */
  readonly defaultAddress?: string;
}

/** What pressure conditions are judged on, measured at each status computation. */
export interface NodeMeasurements {
  readonly memoryAvailableBytes: number;
  readonly fsCapacityBytes: number;
  readonly fsAvailableBytes: number;
  readonly fsInodes: number;
  readonly fsInodesFree: number;
  /** Processes (and threads counted as pids) in use, and the kernel's pid_max. */
  readonly pidsInUse: number;
  readonly pidMax: number;
}

export interface CapacitySource {
  machineInfo(): Promise<MachineInfo>;
  measure(): Promise<NodeMeasurements>;
}

const GOARCH: Readonly<Record<string, string>> = {
  x64: "amd64",
  ia32: "386",
  arm: "arm",
  arm64: "arm64",
  ppc64: "ppc64le",
  s390x: "s390x",
  riscv64: "riscv64",
  loong64: "loong64",
  mips: "mips",
  mipsel: "mipsle",
};

/** Node's process.arch as Go's GOARCH (what nodeInfo.architecture and kubernetes.io/arch carry). */
export function goArch(nodeArch: string): string {
  return GOARCH[nodeArch] ?? nodeArch;
}
