/**
 * cgroup v1: one hierarchy per cgroup mount directly under the root, as the mount table lists them
 * (cpu, cpuacct, cpuset, memory, pids, ..., and the hybrid layout's `unified` v2 mount); a bare
 * directory there is not a hierarchy. As the kubelet's cgroupfs manager, berth creates a cgroup in every mounted
 * hierarchy, so that the runtime's container cgroups nest under it everywhere and removal leaves
 * nothing behind; limits go to cpu.shares, cpu.cfs_period_us, cpu.cfs_quota_us and
 * memory.limit_in_bytes, and pids.max of the pids hierarchy. A new cpuset cgroup gets its parent's cpus and mems (the kernel leaves them
 * empty, which would refuse every task).
 */
import { BerthError, ErrorCode } from "../../common/index.js";
import type { CgroupFs } from "./cgroup-fs.js";
import {
  type CgroupHierarchy,
  cgroupError,
  components,
  errnoOf,
  removeTree,
  under,
  writeControl,
} from "./cgroup-hierarchy.js";
import { cgroupHierarchies, parseMountinfo } from "./mountinfo.js";
import { parseV1OomCount } from "./oom-count.js";
import type { CgroupResourceConfig } from "./pod-resources.js";

export class CgroupV1 implements CgroupHierarchy {
  readonly version = "v1";
  private readonly cpuDir: string;
  private readonly memoryDir: string;
  private readonly cpusetDir: string | undefined;
  private readonly pidsDir: string | undefined;

  private constructor(
    private readonly fs: CgroupFs,
    private readonly root: string,
    /** Directory names of the mounted hierarchies, e.g. "cpu", "cpu,cpuacct", "memory". */
    readonly hierarchies: readonly string[],
  ) {
    const find = (controller: string): string | undefined =>
      hierarchies.find((h) => h.split(",").includes(controller));
    const cpu = find("cpu");
    const memory = find("memory");
    if (cpu === undefined || memory === undefined) {
      throw new BerthError(
        ErrorCode.Unsupported,
        `cgroup v1 at ${root} needs the cpu and memory controllers mounted (found: ${hierarchies.join(" ") || "none"})`,
      );
    }
    this.cpuDir = `${root}/${cpu}`;
    this.memoryDir = `${root}/${memory}`;
    const cpuset = find("cpuset");
    this.cpusetDir = cpuset === undefined ? undefined : `${root}/${cpuset}`;
    const pids = find("pids");
    this.pidsDir = pids === undefined ? undefined : `${root}/${pids}`;
  }

  /**
   * Finds the mounted hierarchies in the mount table (symlinked aliases such as cpuacct -> cpu,cpuacct
   * are not mounts). The hybrid layout's v2 `unified` mount is one of them: runc creates the
   * container's cgroup there too, so the pod's directory must be made and removed there as well; no
   * limits go to it.
   */
  static async open(fs: CgroupFs, root: string): Promise<CgroupV1> {
    return new CgroupV1(fs, root, cgroupHierarchies(parseMountinfo(await fs.mountinfo()), root));
  }

  async create(path: string): Promise<void> {
    const parts = components(path);
    for (const hierarchy of this.hierarchies) {
      const base = `${this.root}/${hierarchy}`;
      // The parent nearly always exists (the QoS cgroups): try the leaf alone before walking down.
      if (parts.length > 1 && (await this.createLeaf(base, parts))) continue;
      let current = base;
      for (const part of components(path)) {
        const parent = current;
        current = `${current}/${part}`;
        try {
          await this.fs.mkdir(current);
        } catch (err) {
          throw cgroupError("create", current, err);
        }
        if (base === this.cpusetDir) await this.inheritCpuset(parent, current);
      }
    }
  }

  private async createLeaf(base: string, parts: readonly string[]): Promise<boolean> {
    const parent = `${base}/${parts.slice(0, -1).join("/")}`;
    const dir = `${parent}/${parts.at(-1) ?? ""}`;
    try {
      await this.fs.mkdir(dir);
    } catch (err) {
      if (errnoOf(err) === "ENOENT") return false;
      throw cgroupError("create", dir, err);
    }
    if (base === this.cpusetDir) await this.inheritCpuset(parent, dir);
    return true;
  }

  private async inheritCpuset(parent: string, dir: string): Promise<void> {
    for (const file of ["cpuset.cpus", "cpuset.mems"]) {
      const own = (await this.fs.read(`${dir}/${file}`))?.trim() ?? "";
      if (own !== "") continue;
      const inherited = (await this.fs.read(`${parent}/${file}`))?.trim() ?? "";
      if (inherited !== "") await writeControl(this.fs, `${dir}/${file}`, inherited);
    }
  }

  async apply(path: string, config: CgroupResourceConfig): Promise<void> {
    const cpu = under(this.cpuDir, path);
    if (config.cpuShares !== undefined)
      await writeControl(this.fs, `${cpu}/cpu.shares`, String(config.cpuShares));
    if (config.cpuQuotaUs !== undefined) {
      // Period before quota: the kernel checks the quota against the period already set.
      if (config.cpuPeriodUs !== undefined) {
        await writeControl(this.fs, `${cpu}/cpu.cfs_period_us`, String(config.cpuPeriodUs));
      }
      await writeControl(this.fs, `${cpu}/cpu.cfs_quota_us`, String(config.cpuQuotaUs));
    }
    if (config.memoryLimitBytes !== undefined) {
      await writeControl(
        this.fs,
        `${under(this.memoryDir, path)}/memory.limit_in_bytes`,
        String(config.memoryLimitBytes),
      );
    }
    if (config.pidsLimit !== undefined) {
      if (this.pidsDir === undefined) {
        throw new BerthError(
          ErrorCode.Unsupported,
          `podPidsLimit needs the pids controller, which cgroup v1 at ${this.root} does not mount`,
        );
      }
      await writeControl(this.fs, `${under(this.pidsDir, path)}/pids.max`, String(config.pidsLimit));
    }
  }

  async remove(path: string): Promise<void> {
    if (components(path).length === 0)
      throw new BerthError(ErrorCode.Invalid, "cgroup: refusing to remove the root");
    for (const hierarchy of this.hierarchies)
      await removeTree(this.fs, under(`${this.root}/${hierarchy}`, path));
  }

  async readCpuShares(path: string): Promise<number | undefined> {
    const text = (await this.fs.read(`${under(this.cpuDir, path)}/cpu.shares`))?.trim();
    return text !== undefined && /^[0-9]+$/.test(text) ? Number(text) : undefined;
  }

  async readOomCount(path: string): Promise<number | undefined> {
    return parseV1OomCount(await this.fs.read(`${under(this.memoryDir, path)}/memory.failcnt`));
  }

  async children(path: string): Promise<string[]> {
    const names = new Set<string>();
    for (const hierarchy of this.hierarchies) {
      for (const name of await this.fs.subdirs(under(`${this.root}/${hierarchy}`, path))) names.add(name);
    }
    return [...names].sort();
  }
}
