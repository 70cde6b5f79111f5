/**
 * Pod-level and QoS-level cgroups, as the kubelet's pod container manager and QoS container manager
 * keep them (pkg/kubelet/cm pod_container_manager_linux.go, qos_container_manager_linux.go):
 *
 *   <cgroupRoot>/kubepods                      node allocatable (optionally capped)
 *   <cgroupRoot>/kubepods/pod<uid>             Guaranteed pods
 *   <cgroupRoot>/kubepods/burstable            shares = shares(sum of burstable cpu requests)
 *   <cgroupRoot>/kubepods/burstable/pod<uid>
 *   <cgroupRoot>/kubepods/besteffort           shares = 2
 *   <cgroupRoot>/kubepods/besteffort/pod<uid>
 *
 * With the systemd driver the same tree is named as slices (cgroup-name.ts). berth writes the
 * cgroup files itself in both cases; it does not ask systemd over D-Bus to create the slices.
 */
import type { IPod } from "kubernetes-models/v1";
import type { Logger } from "../../common/index.js";
import { DEFAULT_CGROUP_ROOT } from "../../config/index.js";
import { BerthError, ErrorCode } from "../../common/index.js";
import { type CgroupFs, nodeCgroupFs } from "./cgroup-fs.js";
import type { CgroupHierarchy, CgroupVersion } from "./cgroup-hierarchy.js";
import {
  type CgroupDriver,
  type CgroupName,
  KUBEPODS,
  POD_CGROUP_PREFIX,
  checkPodUid,
  cgroupPath,
  parseCgroupRoot,
  podUidFromDir,
  runtimeCgroupParent,
} from "./cgroup-name.js";
import { CgroupV1 } from "./cgroup-v1.js";
import { CgroupV2 } from "./cgroup-v2.js";
import { MIN_SHARES, milliCpuToShares, sharesToMilliCpu } from "./cpu.js";
import { type CgroupResourceConfig, podResourceConfig } from "./pod-resources.js";
import { type QosClass, qosClass } from "./qos.js";
import { podRequests } from "./requests.js";

/** The default mount of the cgroup file systems. */
export const DEFAULT_CGROUP_MOUNT = "/sys/fs/cgroup";
/** kubelet: the QoS cgroup names under kubepods */
export const BURSTABLE = "burstable";
export const BESTEFFORT = "besteffort";

export interface PodCgroupsOptions {
  readonly driver: CgroupDriver;
  /** "auto": v2 when <root>/cgroup.controllers exists, else v1. */
  readonly version: CgroupVersion | "auto";
  /** Where the cgroup file systems are mounted; default /sys/fs/cgroup. */
  readonly root?: string;
  /** The cgroup under which kubepods lives (KubeletConfiguration cgroupRoot); default "/". */
  readonly cgroupRoot?: string;
  /**
   * What the pods together may use (node allocatable, enforced on the kubepods cgroup as the
   * kubelet does with enforceNodeAllocatable "pods"); left unlimited when absent.
   */
  readonly podsAllocatable?: { readonly cpuMilli: number; readonly memoryBytes: number };
  /** pids.max of every pod cgroup (KubeletConfiguration podPidsLimit); unlimited when absent or not positive. */
  readonly podPidsLimit?: number;
  readonly logger?: Logger;
  /** The file operations; the real cgroupfs unless a test passes a fake tree. */
  readonly fs?: CgroupFs;
}

/** Detects the cgroup version mounted at `root`. */
export async function detectCgroupVersion(root: string, fs: CgroupFs = nodeCgroupFs): Promise<CgroupVersion> {
  return (await fs.exists(`${root}/cgroup.controllers`)) ? "v2" : "v1";
}

export class PodCgroups {
  readonly driver: CgroupDriver;
  private readonly root: string;
  private readonly rootName: CgroupName;
  private readonly fs: CgroupFs;
  private readonly logger: Logger | undefined;
  private hierarchy: Promise<CgroupHierarchy> | undefined;
  /** cpu requests (milli) of the Burstable pods this node runs, by uid. */
  private readonly burstableCpu = new Map<string, number>();
  private writtenBurstableShares: number | undefined;
  /** Serializes writes to the QoS cgroups. */
  private qosChain: Promise<void> = Promise.resolve();

  constructor(private readonly options: PodCgroupsOptions) {
    if (options.driver !== "cgroupfs" && options.driver !== "systemd") {
      throw new BerthError(
        ErrorCode.Config,
        `cgroupDriver must be "cgroupfs" or "systemd", got ${JSON.stringify(options.driver)}`,
      );
    }
    if (options.version !== "v1" && options.version !== "v2" && options.version !== "auto") {
      throw new BerthError(
        ErrorCode.Config,
        `cgroup version must be "v1", "v2" or "auto", got ${JSON.stringify(options.version)}`,
      );
    }
    this.driver = options.driver;
    this.root = (options.root ?? DEFAULT_CGROUP_MOUNT).replace(/\/+$/, "");
    if (!this.root.startsWith("/")) {
      throw new BerthError(
        ErrorCode.Config,
        `cgroup mount must be an absolute path, got ${JSON.stringify(options.root)}`,
      );
    }
    this.rootName = parseCgroupRoot(options.cgroupRoot ?? DEFAULT_CGROUP_ROOT, options.driver);
    this.fs = options.fs ?? nodeCgroupFs;
    this.logger = options.logger?.child({ component: "pod-cgroups" });
  }

  /** The version in use (detected on first use when "auto"). */
  async version(): Promise<CgroupVersion> {
    return (await this.open()).version;
  }

  private open(): Promise<CgroupHierarchy> {
    this.hierarchy ??= (async () => {
      const version =
        this.options.version === "auto"
          ? await detectCgroupVersion(this.root, this.fs)
          : this.options.version;
      const hierarchy =
        version === "v2" ? await CgroupV2.open(this.fs, this.root) : await CgroupV1.open(this.fs, this.root);
      await this.createQosCgroups(hierarchy);
      this.logger?.info({ version, driver: this.driver, root: this.root }, "pod cgroups ready");
      return hierarchy;
    })();
    // A failed start is retried on the next call rather than remembered.
    this.hierarchy.catch(() => {
      this.hierarchy = undefined;
    });
    return this.hierarchy;
  }

  private kubepods(): CgroupName {
    return [...this.rootName, KUBEPODS];
  }

  private qosName(qos: QosClass): CgroupName {
    if (qos === "Guaranteed") return this.kubepods();
    return [...this.kubepods(), qos === "Burstable" ? BURSTABLE : BESTEFFORT];
  }

  private path(name: CgroupName): string {
    return cgroupPath(name, this.driver);
  }

  private async createQosCgroups(hierarchy: CgroupHierarchy): Promise<void> {
    const kubepods = this.path(this.kubepods());
    await hierarchy.create(kubepods);
    const allocatable = this.options.podsAllocatable;
    if (allocatable !== undefined) {
      await hierarchy.apply(kubepods, {
        cpuShares: milliCpuToShares(allocatable.cpuMilli),
        ...(allocatable.memoryBytes > 0 ? { memoryLimitBytes: allocatable.memoryBytes } : {}),
      });
    }
    const besteffort = this.path(this.qosName("BestEffort"));
    await hierarchy.create(besteffort);
    await hierarchy.apply(besteffort, { cpuShares: MIN_SHARES });
    const burstable = this.path(this.qosName("Burstable"));
    await hierarchy.create(burstable);
    await this.seedBurstable(hierarchy);
    const shares = this.burstableShares();
    await hierarchy.apply(burstable, { cpuShares: shares });
    this.writtenBurstableShares = shares;
  }

  /**
   * Counts the Burstable pods whose cgroups already exist (an agent restart), by the cpu request
   * their cgroup's shares stand for, so that the first pod after a restart does not shrink the
   * burstable QoS shares. ensure() and updateQos() replace these estimates with exact requests.
   */
  private async seedBurstable(hierarchy: CgroupHierarchy): Promise<void> {
    const parent = this.qosName("Burstable");
    for (const dir of await hierarchy.children(this.path(parent))) {
      const uid = podUidFromDir(dir, parent, this.driver);
      if (uid === undefined || this.burstableCpu.has(uid)) continue;
      const shares = await hierarchy.readCpuShares(this.path([...parent, `${POD_CGROUP_PREFIX}${uid}`]));
      if (shares !== undefined) this.burstableCpu.set(uid, sharesToMilliCpu(shares));
    }
  }

  private burstableShares(): number {
    let sum = 0;
    for (const milli of this.burstableCpu.values()) sum += milli;
    return milliCpuToShares(sum);
  }

  /** Rewrites the burstable QoS cgroup's shares if the burstable requests changed. */
  private updateBurstableShares(hierarchy: CgroupHierarchy): Promise<void> {
    const next = this.qosChain.then(async () => {
      const shares = this.burstableShares();
      if (shares === this.writtenBurstableShares) return;
      await hierarchy.apply(this.path(this.qosName("Burstable")), { cpuShares: shares });
      this.writtenBurstableShares = shares;
      this.logger?.debug({ shares }, "burstable cgroup shares updated");
    });
    this.qosChain = next.catch(() => undefined);
    return next;
  }

  /** The pod's cgroup name; pure, no file access. */
  private podName(pod: IPod): CgroupName {
    const uid = checkPodUid(pod.metadata?.uid);
    return [...this.qosName(qosClass(pod)), `${POD_CGROUP_PREFIX}${uid}`];
  }

  /** The cgroup parent to give the runtime for the pod's sandbox (no file access). */
  cgroupParent(pod: IPod): string {
    return runtimeCgroupParent(this.podName(pod), this.driver);
  }

  /** The limits the pod's cgroup gets (ResourceConfigForPod). */
  podConfig(pod: IPod): CgroupResourceConfig {
    return podResourceConfig(pod, this.options.podPidsLimit);
  }

  /**
   * Creates the pod's cgroup with its limits (idempotent), first raising the burstable QoS shares
   * when the pod is Burstable, and returns the cgroup parent for the sandbox.
   */
  async ensure(pod: IPod): Promise<string> {
    const name = this.podName(pod);
    const config = this.podConfig(pod);
    const hierarchy = await this.open();
    const uid = checkPodUid(pod.metadata?.uid);
    if (qosClass(pod) === "Burstable") {
      this.burstableCpu.set(uid, podRequests(pod).cpuMilli);
      await this.updateBurstableShares(hierarchy);
    }
    const path = this.path(name);
    await hierarchy.create(path);
    await hierarchy.apply(path, config);
    return runtimeCgroupParent(name, this.driver);
  }

  /**
   * The pod cgroup's OOM count (oom-count.ts), read before a sync looks at the runtime and again
   * when a container died on SIGKILL without the runtime saying OOMKilled; undefined when the pod
   * has no cgroup (yet) or the count cannot be read.
   */
  async oomCount(pod: IPod): Promise<number | undefined> {
    const hierarchy = await this.open();
    return hierarchy.readOomCount(this.path(this.podName(pod)));
  }

  /**
   * Removes the pod's cgroup wherever it is (any QoS level, every controller) with the child
   * cgroups the runtime left; a pod without a cgroup is fine. Call it after the runtime removed the
   * sandbox; while processes remain the removal fails (errno EBUSY in details) and can be retried.
   */
  async remove(podUid: string): Promise<void> {
    const uid = checkPodUid(podUid);
    const hierarchy = await this.open();
    for (const qos of ["Guaranteed", "Burstable", "BestEffort"] as const) {
      const name = [...this.qosName(qos), `${POD_CGROUP_PREFIX}${uid}`];
      await hierarchy.remove(this.path(name));
    }
    if (this.burstableCpu.delete(uid)) await this.updateBurstableShares(hierarchy);
    this.logger?.debug({ podUid: uid }, "pod cgroup removed");
  }

  /** The uids of the pods that have a cgroup (for orphan cleanup). */
  async list(): Promise<string[]> {
    const hierarchy = await this.open();
    const uids = new Set<string>();
    for (const qos of ["Guaranteed", "Burstable", "BestEffort"] as const) {
      const parent = this.qosName(qos);
      for (const dir of await hierarchy.children(this.path(parent))) {
        const uid = podUidFromDir(dir, parent, this.driver);
        if (uid !== undefined) uids.add(uid);
      }
    }
    return [...uids].sort();
  }

  /**
   * Recomputes the burstable QoS shares from the pods the node runs now (UpdateCgroups): call it
   * after a restart or whenever the set of active pods changed outside ensure/remove.
   */
  async updateQos(activePods: readonly IPod[]): Promise<void> {
    const hierarchy = await this.open();
    this.burstableCpu.clear();
    for (const pod of activePods) {
      if (qosClass(pod) !== "Burstable") continue;
      this.burstableCpu.set(checkPodUid(pod.metadata?.uid), podRequests(pod).cpuMilli);
    }
    await this.updateBurstableShares(hierarchy);
  }
}
