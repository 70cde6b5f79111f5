/**
 * Reads the node summary from the machine (kubelet: the summary provider's node stats via
 * cadvisor): the root memory cgroup's working set, statfs of the root dir and the image
 * filesystem, and the pid count. Files are read through NodeStatsFs so that unit tests use a fake
 * tree; the memory cgroup layout (v1 or v2) is found from the files present.
 */
import { statfs } from "node:fs/promises";
import { readKernelFile } from "../../common/index.js";
import { BerthError, ErrorCode, errorMessage } from "../../common/errors.js";
import type { Logger } from "../../common/log.js";
import { DEFAULT_CGROUP_MOUNT } from "../resources/index.js";
import type { FsStats, NodeSummary } from "./observations.js";
import { taskCountFromLoadavg, taskLimit } from "./pid-limit.js";

export interface StatfsResult {
  readonly blocks: number;
  readonly bsize: number;
  readonly bavail: number;
  readonly files: number;
  readonly ffree: number;
}

/** The slice of the file system the reader uses. */
export interface NodeStatsFs {
  readFile(path: string): Promise<string>;
  statfs(path: string): Promise<StatfsResult>;
}

export const hostStatsFs: NodeStatsFs = {
  readFile: readKernelFile,
  statfs: (path) => statfs(path),
};

export interface NodeStatsReaderOptions {
  readonly fs?: NodeStatsFs;
  /** The cgroup mount directory (v1: one directory per controller; v2: the unified tree). */
  readonly cgroupMount?: string;
  readonly procDir?: string;
  /** Directory on the node filesystem (the agent's root dir). */
  readonly nodefsPath: string;
  /** Directory on the image filesystem; the nodefs when absent. */
  readonly imagefsPath?: string;
  readonly log: Logger;
}

/** A field of memory.stat (or /proc/meminfo in kB when `kib`), 0 when missing. */
export function statField(text: string, name: string, kib = false): number {
  const m = new RegExp(`^${name}:?\\s+(\\d+)`, "m").exec(text);
  if (m?.[1] === undefined) return 0;
  return Number(m[1]) * (kib ? 1024 : 1);
}

/** Usage minus inactive file pages, at least 0 (cadvisor: working set). */
export function workingSet(usage: number, inactiveFile: number): number {
  return inactiveFile < usage ? usage - inactiveFile : 0;
}

export class NodeStatsReader {
  readonly #fs: NodeStatsFs;
  readonly #cgroup: string;
  readonly #proc: string;
  readonly #nodefs: string;
  readonly #imagefs: string | undefined;
  readonly #log: Logger;
  readonly #warned = new Set<string>();

  constructor(options: NodeStatsReaderOptions) {
    this.#fs = options.fs ?? hostStatsFs;
    this.#cgroup = options.cgroupMount ?? DEFAULT_CGROUP_MOUNT;
    this.#proc = options.procDir ?? "/proc";
    this.#nodefs = options.nodefsPath;
    this.#imagefs = options.imagefsPath;
    this.#log = options.log;
  }

  async summary(): Promise<NodeSummary> {
    const [memory, nodefs, imagefs, pids] = await Promise.all([
      this.#part("memory", () => this.memory()),
      this.#part("nodefs", () => this.#fsStats(this.#nodefs)),
      this.#part("imagefs", () => this.#fsStats(this.#imagefs ?? this.#nodefs)),
      this.#part("pids", () => this.pids()),
    ]);
    return {
      ...(memory === undefined ? {} : { memory }),
      ...(nodefs === undefined ? {} : { nodefs }),
      ...(imagefs === undefined ? {} : { imagefs }),
      ...(pids === undefined ? {} : { pids }),
    };
  }

  /**
   * Capacity from /proc/meminfo; the working set of the root cgroup. v1: memory.usage_in_bytes
   * minus total_inactive_file of the memory controller's root. v2 has no root memory.current:
   * usage is MemTotal minus MemFree (as runc computes it) minus inactive_file of the root memory.stat.
   */
  async memory(): Promise<{ capacityBytes: number; workingSetBytes: number }> {
    const meminfo = await this.#fs.readFile(`${this.#proc}/meminfo`);
    const capacityBytes = statField(meminfo, "MemTotal", true);
    const v1 = `${this.#cgroup}/memory`;
    const usageV1 = await this.#fs.readFile(`${v1}/memory.usage_in_bytes`).catch(() => undefined);
    if (usageV1 !== undefined) {
      const stat = await this.#fs.readFile(`${v1}/memory.stat`);
      return {
        capacityBytes,
        workingSetBytes: workingSet(Number(usageV1.trim()), statField(stat, "total_inactive_file")),
      };
    }
    const stat = await this.#fs.readFile(`${this.#cgroup}/memory.stat`);
    const usage = capacityBytes - statField(meminfo, "MemFree", true);
    return { capacityBytes, workingSetBytes: workingSet(usage, statField(stat, "inactive_file")) };
  }

  /**
   * kubelet: pidlimit.Stats. max: the smaller of pid_max and threads-max; running: every task
   * (processes and threads), from /proc/loadavg.
   */
  async pids(): Promise<{ max: number; running: number }> {
    const optional = (path: string): Promise<string | undefined> =>
      this.#fs.readFile(path).catch(() => undefined);
    const [pidMax, threadsMax, loadavg] = await Promise.all([
      optional(`${this.#proc}/sys/kernel/pid_max`),
      optional(`${this.#proc}/sys/kernel/threads-max`),
      this.#fs.readFile(`${this.#proc}/loadavg`),
    ]);
    const max = taskLimit(pidMax, threadsMax);
    if (max === undefined) {
      throw new BerthError(ErrorCode.NotFound, "neither kernel.pid_max nor kernel.threads-max can be read");
    }
    return { max, running: taskCountFromLoadavg(loadavg) };
  }

  async #fsStats(path: string): Promise<FsStats> {
    const s = await this.#fs.statfs(path);
    return {
      capacityBytes: s.blocks * s.bsize,
      availableBytes: s.bavail * s.bsize,
      inodes: s.files,
      inodesFree: s.ffree,
    };
  }

  /** A part that cannot be read leaves its signals unobserved; said once per part in the log. */
  async #part<T>(name: string, read: () => Promise<T>): Promise<T | undefined> {
    try {
      const value = await read();
      this.#warned.delete(name);
      return value;
    } catch (err) {
      if (!this.#warned.has(name)) {
        this.#warned.add(name);
        this.#log.warn({ part: name, err: errorMessage(err) }, "eviction manager cannot observe the node");
      }
      return undefined;
    }
  }
}
