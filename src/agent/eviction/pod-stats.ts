/**
 * Per-pod usage the eviction manager ranks and checks limits with (kubelet: the summary
 * provider's pod stats): container working sets and writable layers from the runtime's container
 * stats, and disk usage of each pod's emptyDir volumes and container logs, measured on the node.
 */
import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";
import type { IPod } from "kubernetes-models/v1";
import { errorMessage } from "../../common/errors.js";
import type { Logger } from "../../common/log.js";
import { LABEL_CONTAINER_NAME, LABEL_POD_UID, type ContainerRuntime } from "../../runtime/index.js";
import { LABEL_NODE_NAME } from "../pods/index.js";

export interface ContainerUsage {
  readonly name: string;
  readonly memoryWorkingSetBytes: number;
  /** The writable layer (0 when the runtime does not report it). */
  readonly rootfsBytes: number;
  readonly logsBytes: number;
}

export interface DiskUsage {
  readonly bytes: number;
  readonly inodes: number;
}

export interface PodStats {
  readonly containers: readonly ContainerUsage[];
  /** Local (emptyDir) volumes by name. */
  readonly volumes: ReadonlyMap<string, DiskUsage>;
}

export type PodStatsMap = ReadonlyMap<string, PodStats>;

export interface PodStatsSource {
  /** Stats of the given pods, by uid; a pod the runtime does not show has no entry. */
  podStats(pods: readonly IPod[]): Promise<PodStatsMap>;
}

/** Bytes (allocated blocks) and inodes under a path, not following links; 0 when it is missing. */
export async function diskUsage(path: string): Promise<DiskUsage> {
  let bytes = 0;
  let inodes = 0;
  const walk = async (p: string): Promise<void> => {
    let st;
    try {
      st = await lstat(p);
    } catch {
      return;
    }
    bytes += st.blocks * 512;
    inodes += 1;
    if (!st.isDirectory()) return;
    const entries = await readdir(p).catch(() => [] as string[]);
    for (const e of entries) await walk(join(p, e));
  };
  await walk(path);
  return { bytes, inodes };
}

export interface RuntimePodStatsOptions {
  readonly runtime: Pick<ContainerRuntime, "listContainers" | "listContainerStats">;
  /** Only this node's containers count (several agents may share a runtime). */
  readonly nodeName: string;
  /** The host directory of a pod's emptyDir volume. */
  readonly emptyDirPath: (uid: string, volume: string) => string;
  /** The host directory holding a container's logs. */
  readonly containerLogsPath: (pod: IPod, container: string) => string;
  readonly log: Logger;
  /** Measures a directory; diskUsage when absent. */
  readonly du?: (path: string) => Promise<DiskUsage>;
}

export class RuntimePodStats implements PodStatsSource {
  readonly #o: RuntimePodStatsOptions;
  readonly #du: (path: string) => Promise<DiskUsage>;

  constructor(options: RuntimePodStatsOptions) {
    this.#o = options;
    this.#du = options.du ?? diskUsage;
  }

  async podStats(pods: readonly IPod[]): Promise<PodStatsMap> {
    const uids = new Set(pods.map((p) => p.metadata?.uid ?? ""));
    const filter = { state: "running", labelSelector: { [LABEL_NODE_NAME]: this.#o.nodeName } } as const;
    const [containers, stats] = await Promise.all([
      this.#o.runtime.listContainers(filter),
      this.#o.runtime.listContainerStats(filter).catch((err: unknown) => {
        this.#o.log.debug({ err: errorMessage(err) }, "container stats not read");
        return [];
      }),
    ]);
    const byId = new Map(stats.map((s) => [s.id, s]));
    const out = new Map<string, PodStats>();
    for (const pod of pods) {
      const uid = pod.metadata?.uid ?? "";
      const mine = containers.filter((c) => c.labels[LABEL_POD_UID] === uid && uids.has(uid));
      if (mine.length === 0) continue;
      const usages: ContainerUsage[] = [];
      for (const c of mine) {
        const name = c.labels[LABEL_CONTAINER_NAME] ?? c.metadata.name;
        const s = byId.get(c.id);
        const logs = await this.#du(this.#o.containerLogsPath(pod, name));
        usages.push({
          name,
          memoryWorkingSetBytes: s?.memoryWorkingSetBytes ?? 0,
          rootfsBytes: s?.writableLayerBytes ?? 0,
          logsBytes: logs.bytes,
        });
      }
      const volumes = new Map<string, DiskUsage>();
      for (const v of pod.spec?.volumes ?? []) {
        if (v.emptyDir === undefined) continue;
        volumes.set(v.name, await this.#du(this.#o.emptyDirPath(uid, v.name)));
      }
      out.set(uid, { containers: usages, volumes });
    }
    return out;
  }
}
