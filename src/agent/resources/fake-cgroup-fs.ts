/**
 * A cgroup tree in an ordinary directory that behaves like the kernel's cgroupfs where berth relies
 * on it, for unit tests: mkdir fills a new cgroup with the control files of its controller(s), a
 * write must go to an existing control file and is checked like the kernel checks it, rmdir ignores
 * control files but refuses a cgroup with child cgroups or processes (EBUSY), and cgroup v2
 * children only get the files of controllers enabled in the parent's cgroup.subtree_control.
 */
import { mkdir, mkdtemp, readdir, rm, rmdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CgroupFs, nodeCgroupFs } from "./cgroup-fs.js";

/** The controller directories of a v1 mount, and the hybrid layout's (near empty) v2 `unified`. */
export const FAKE_V1_CONTROLLERS = ["cpu", "cpuacct", "cpuset", "memory", "pids", "unified"] as const;
export const FAKE_V2_CONTROLLERS = ["cpuset", "cpu", "io", "memory", "hugetlb", "pids"] as const;
const UNLIMITED_V1_MEMORY = "9223372036854771712";

function errno(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${message}`), { code });
}

const INT = /^-?[0-9]+$/;

/** Control files of a new v1 cgroup, by controller; `top` for the hierarchy's root. */
function v1Files(controller: string, top: boolean): Record<string, string> {
  const common = { "cgroup.procs": "", tasks: "", notify_on_release: "0", "cgroup.clone_children": "0" };
  switch (controller) {
    case "cpu":
      return { ...common, "cpu.shares": "1024", "cpu.cfs_period_us": "100000", "cpu.cfs_quota_us": "-1" };
    case "cpuacct":
      return { ...common, "cpuacct.usage": "0" };
    case "cpuset":
      return { ...common, "cpuset.cpus": top ? "0-1" : "", "cpuset.mems": top ? "0" : "" };
    case "memory":
      return {
        ...common,
        "memory.limit_in_bytes": UNLIMITED_V1_MEMORY,
        "memory.usage_in_bytes": "0",
        "memory.failcnt": "0",
      };
    case "pids":
      return { ...common, "pids.max": "max" };
    case "unified":
      return { "cgroup.procs": "", "cgroup.controllers": "", "cgroup.subtree_control": "" };
    default:
      return common;
  }
}

function v2Files(enabled: readonly string[]): Record<string, string> {
  const files: Record<string, string> = {
    "cgroup.controllers": enabled.join(" "),
    "cgroup.subtree_control": "",
    "cgroup.procs": "",
    "cgroup.events": "populated 0\nfrozen 0\n",
  };
  if (enabled.includes("cpu")) Object.assign(files, { "cpu.weight": "100", "cpu.max": "max 100000" });
  if (enabled.includes("memory")) {
    Object.assign(files, {
      "memory.max": "max",
      "memory.current": "0",
      "memory.events": "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n",
    });
  }
  if (enabled.includes("pids")) files["pids.max"] = "max";
  if (enabled.includes("cpuset")) Object.assign(files, { "cpuset.cpus": "", "cpuset.mems": "" });
  return files;
}

async function fill(dir: string, files: Record<string, string>): Promise<void> {
  for (const [name, value] of Object.entries(files)) await writeFile(join(dir, name), value);
}

export class FakeCgroupTree implements CgroupFs {
  private constructor(
    /** The fake mount point, to pass as PodCgroups' `root`. */
    readonly root: string,
    readonly version: "v1" | "v2",
  ) {}

  /**
   * A v1 mount: one directory per controller, each with its root control files, and a mount table
   * that lists them. `stray` directories are made too but not mounted (an empty, read-only
   * directory on the cgroup tmpfs, as a systemd inside a container leaves behind).
   */
  static async v1(
    controllers: readonly string[] = FAKE_V1_CONTROLLERS,
    stray: readonly string[] = [],
  ): Promise<FakeCgroupTree> {
    const root = await mkdtemp(join(tmpdir(), "berth-cgroup-v1-"));
    const tree = new FakeCgroupTree(root, "v1");
    tree.mounts.push(`25 24 0:22 / ${root} ro,nosuid,nodev,noexec shared:8 - tmpfs tmpfs ro,mode=755`);
    for (const [i, controller] of controllers.entries()) {
      await mkdir(join(root, controller));
      await fill(join(root, controller), v1Files(controller, true));
      tree.mounts.push(
        controller === "unified"
          ? `${26 + i} 25 0:${23 + i} / ${root}/unified rw,nosuid,nodev,noexec shared:9 - cgroup2 cgroup2 rw`
          : `${26 + i} 25 0:${23 + i} / ${root}/${controller} rw,nosuid,nodev,noexec shared:9 - cgroup cgroup rw,${controller}`,
      );
    }
    for (const dir of stray) await mkdir(join(root, dir));
    return tree;
  }

  /** Mount table lines of a v1 tree (cgroup mounts under the root). */
  private readonly mounts: string[] = [];

  mountinfo(): Promise<string> {
    return Promise.resolve(
      [`22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw`, ...this.mounts, ""].join("\n"),
    );
  }

  /** Whether `path` is a stray (unmounted) directory: the kernel refuses to write under it. */
  private unmounted(path: string): boolean {
    if (this.version !== "v1") return false;
    const top = `${this.root}/${this.controllerOf(path)}`;
    return !this.mounts.some((m) => m.includes(` ${top} `));
  }

  /** A v2 mount: the unified root offering `controllers`, none enabled for children yet. */
  static async v2(controllers: readonly string[] = FAKE_V2_CONTROLLERS): Promise<FakeCgroupTree> {
    const root = await mkdtemp(join(tmpdir(), "berth-cgroup-v2-"));
    // The root cgroup has no cpu.weight, cpu.max or memory.max: only children are limited.
    await fill(root, {
      "cgroup.controllers": controllers.join(" "),
      "cgroup.subtree_control": "",
      "cgroup.procs": "1\n",
      "cgroup.max.depth": "max",
      "cpu.stat": "usage_usec 0\n",
    });
    return new FakeCgroupTree(root, "v2");
  }

  async dispose(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
  }

  /** Puts a pid into a cgroup's cgroup.procs, as a process the runtime started there. */
  async addProcess(dir: string, pid: number): Promise<void> {
    await writeFile(join(dir, "cgroup.procs"), `${pid}\n`);
  }

  async clearProcesses(dir: string): Promise<void> {
    await writeFile(join(dir, "cgroup.procs"), "");
  }

  private controllerOf(path: string): string {
    return path.slice(this.root.length + 1).split("/")[0] ?? "";
  }

  async mkdir(path: string): Promise<boolean> {
    if (this.unmounted(path)) throw errno("EROFS", `read-only file system: ${path}`);
    if (await nodeCgroupFs.exists(path)) return false;
    const parent = path.slice(0, path.lastIndexOf("/"));
    if (!(await nodeCgroupFs.exists(parent))) throw errno("ENOENT", `no parent for ${path}`);
    await mkdir(path);
    if (this.version === "v1") await fill(path, v1Files(this.controllerOf(path), false));
    else {
      const enabled = ((await nodeCgroupFs.read(join(parent, "cgroup.subtree_control"))) ?? "")
        .split(/\s+/)
        .filter((w) => w !== "");
      await fill(path, v2Files(enabled));
    }
    return true;
  }

  async rmdir(path: string): Promise<boolean> {
    if (!(await nodeCgroupFs.exists(path))) return false;
    if ((await this.subdirs(path)).length > 0) throw errno("EBUSY", `${path} has child cgroups`);
    const procs = (await nodeCgroupFs.read(join(path, "cgroup.procs"))) ?? "";
    if (procs.trim() !== "") throw errno("EBUSY", `${path} has processes`);
    for (const entry of await readdir(path)) await rm(join(path, entry));
    await rmdir(path);
    return true;
  }

  subdirs(path: string): Promise<string[]> {
    return nodeCgroupFs.subdirs(path);
  }

  exists(path: string): Promise<boolean> {
    return nodeCgroupFs.exists(path);
  }

  read(path: string): Promise<string | undefined> {
    return nodeCgroupFs.read(path);
  }

  async write(path: string, value: string): Promise<void> {
    const current = await nodeCgroupFs.read(path);
    if (current === undefined) throw errno("ENOENT", `no control file ${path}`);
    const name = path.slice(path.lastIndexOf("/") + 1);
    const dir = path.slice(0, path.lastIndexOf("/"));
    const v = value.trim();
    const invalid = (): never => {
      throw errno("EINVAL", `${name}: ${JSON.stringify(value)}`);
    };
    switch (name) {
      case "cpu.shares":
      case "cpu.cfs_period_us":
      case "memory.limit_in_bytes":
        if (!INT.test(v) || Number(v) < 0) invalid();
        break;
      case "cpu.cfs_quota_us":
        if (!INT.test(v) || (Number(v) !== -1 && Number(v) < 1000)) invalid();
        break;
      case "cpu.weight":
        if (!INT.test(v) || Number(v) < 1 || Number(v) > 10000) invalid();
        break;
      case "cpu.max":
        if (!/^(max|[0-9]+) [0-9]+$/.test(v)) invalid();
        break;
      case "memory.max":
        if (v !== "max" && !INT.test(v)) invalid();
        break;
      case "cgroup.subtree_control": {
        const offered = ((await nodeCgroupFs.read(join(dir, "cgroup.controllers"))) ?? "").split(/\s+/);
        const enabled = new Set(current.split(/\s+/).filter((w) => w !== ""));
        for (const token of v.split(/\s+/)) {
          const controller = token.slice(1);
          if (!/^[+-]/.test(token) || !offered.includes(controller)) invalid();
          if (token.startsWith("+")) enabled.add(controller);
          else enabled.delete(controller);
        }
        await writeFile(path, offered.filter((c) => enabled.has(c)).join(" "));
        return;
      }
      default:
        break;
    }
    await writeFile(path, value);
  }
}
