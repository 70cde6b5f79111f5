/**
 * cgroup v2: one unified tree. Before a child is created, the controllers berth needs are enabled
 * in the parent's cgroup.subtree_control (as libcontainer's fs2 manager does), so the child gets
 * cpu.weight, cpu.max and memory.max. Shares map to a weight (cpu.ts), the CFS quota to
 * "quota period" in cpu.max, the memory limit to memory.max, the pids limit to pids.max.
 */
import { BerthError, ErrorCode } from "../../common/index.js";
import type { CgroupFs } from "./cgroup-fs.js";
import {
  type CgroupHierarchy,
  cgroupError,
  components,
  removeTree,
  under,
  writeControl,
} from "./cgroup-hierarchy.js";
import { sharesToWeight, weightToShares } from "./cpu.js";
import { parseV2OomCount } from "./oom-count.js";
import type { CgroupResourceConfig } from "./pod-resources.js";

/** Controllers enabled for the pod tree where the kernel offers them. */
export const V2_CONTROLLERS = ["cpuset", "cpu", "io", "memory", "hugetlb", "pids"] as const;

function words(text: string | undefined): string[] {
  return (text ?? "").split(/\s+/).filter((w) => w !== "");
}

export class CgroupV2 implements CgroupHierarchy {
  readonly version = "v2";

  private constructor(
    private readonly fs: CgroupFs,
    private readonly root: string,
  ) {}

  static async open(fs: CgroupFs, root: string): Promise<CgroupV2> {
    const available = words(await fs.read(`${root}/cgroup.controllers`));
    for (const needed of ["cpu", "memory"]) {
      if (!available.includes(needed)) {
        throw new BerthError(
          ErrorCode.Unsupported,
          `cgroup v2 at ${root} does not offer the ${needed} controller (cgroup.controllers: ${available.join(" ") || "empty"})`,
        );
      }
    }
    return new CgroupV2(fs, root);
  }

  private async enableControllers(dir: string): Promise<void> {
    const available = words(await this.fs.read(`${dir}/cgroup.controllers`));
    const enabled = new Set(words(await this.fs.read(`${dir}/cgroup.subtree_control`)));
    const missing = V2_CONTROLLERS.filter((c) => available.includes(c) && !enabled.has(c));
    if (missing.length > 0) {
      await writeControl(this.fs, `${dir}/cgroup.subtree_control`, missing.map((c) => `+${c}`).join(" "));
    }
  }

  async create(path: string): Promise<void> {
    let current = this.root;
    for (const part of components(path)) {
      await this.enableControllers(current);
      current = `${current}/${part}`;
      try {
        await this.fs.mkdir(current);
      } catch (err) {
        throw cgroupError("create", current, err);
      }
    }
  }

  async apply(path: string, config: CgroupResourceConfig): Promise<void> {
    const dir = under(this.root, path);
    if (config.cpuShares !== undefined) {
      await writeControl(this.fs, `${dir}/cpu.weight`, String(sharesToWeight(config.cpuShares)));
    }
    if (config.cpuQuotaUs !== undefined) {
      await writeControl(this.fs, `${dir}/cpu.max`, `${config.cpuQuotaUs} ${config.cpuPeriodUs ?? 100000}`);
    }
    if (config.memoryLimitBytes !== undefined) {
      await writeControl(this.fs, `${dir}/memory.max`, String(config.memoryLimitBytes));
    }
    if (config.pidsLimit !== undefined) {
      await writeControl(this.fs, `${dir}/pids.max`, String(config.pidsLimit));
    }
  }

  async remove(path: string): Promise<void> {
    if (components(path).length === 0)
      throw new BerthError(ErrorCode.Invalid, "cgroup: refusing to remove the root");
    await removeTree(this.fs, under(this.root, path));
  }

  async readCpuShares(path: string): Promise<number | undefined> {
    const text = (await this.fs.read(`${under(this.root, path)}/cpu.weight`))?.trim();
    return text !== undefined && /^[0-9]+$/.test(text) ? weightToShares(Number(text)) : undefined;
  }

  async readOomCount(path: string): Promise<number | undefined> {
    return parseV2OomCount(await this.fs.read(`${under(this.root, path)}/memory.events`));
  }

  async children(path: string): Promise<string[]> {
    return (await this.fs.subdirs(under(this.root, path))).sort();
  }
}
