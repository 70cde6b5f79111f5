/**
 * What the eviction manager observes: the node summary it reads each interval and the signal
 * observations made from it (kubelet: makeSignalObservations over the stats summary).
 */
import type { EvictionSignal } from "../node/index.js";

/** A filesystem as statfs sees it. */
export interface FsStats {
  readonly capacityBytes: number;
  readonly availableBytes: number;
  readonly inodes: number;
  readonly inodesFree: number;
}

/** The node-level numbers the signals come from; a part that could not be read is absent. */
export interface NodeSummary {
  /** Memory capacity and the root cgroup's working set (usage minus inactive file pages). */
  readonly memory?: { readonly capacityBytes: number; readonly workingSetBytes: number };
  /** The filesystem of the agent's root dir. */
  readonly nodefs?: FsStats;
  /** The filesystem holding images; the nodefs when they share one. */
  readonly imagefs?: FsStats;
  /** The kernel's pid limit and the processes running. */
  readonly pids?: { readonly max: number; readonly running: number };
}

export interface Observation {
  readonly available: bigint;
  readonly capacity: bigint;
}

export type Observations = ReadonlyMap<EvictionSignal, Observation>;

const big = (n: number): bigint => BigInt(Math.max(0, Math.floor(n)));

/** kubelet: makeSignalObservations. memory.available is capacity minus working set, at least 0. */
export function makeSignalObservations(summary: NodeSummary): Observations {
  const out = new Map<EvictionSignal, Observation>();
  const { memory, nodefs, imagefs, pids } = summary;
  if (memory !== undefined) {
    const capacity = big(memory.capacityBytes);
    const available = capacity - big(memory.workingSetBytes);
    out.set("memory.available", { available: available < 0n ? 0n : available, capacity });
  }
  if (nodefs !== undefined) {
    out.set("nodefs.available", {
      available: big(nodefs.availableBytes),
      capacity: big(nodefs.capacityBytes),
    });
    if (nodefs.inodes > 0) {
      out.set("nodefs.inodesFree", { available: big(nodefs.inodesFree), capacity: big(nodefs.inodes) });
    }
  }
  if (imagefs !== undefined) {
    out.set("imagefs.available", {
      available: big(imagefs.availableBytes),
      capacity: big(imagefs.capacityBytes),
    });
    if (imagefs.inodes > 0) {
      out.set("imagefs.inodesFree", { available: big(imagefs.inodesFree), capacity: big(imagefs.inodes) });
    }
  }
  if (pids !== undefined) {
    const available = big(pids.max) - big(pids.running);
    out.set("pid.available", { available: available < 0n ? 0n : available, capacity: big(pids.max) });
  }
  return out;
}
