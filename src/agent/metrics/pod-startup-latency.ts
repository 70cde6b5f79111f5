/**
 * Pod startup latency as the SLI defines it (kubelet: util/pod_startup_latency_tracker.go and the
 * sig-scalability "Pod startup latency" SLO): from the pod's creationTimestamp to the moment the
 * agent sees, through its watch, the pod with every container running, minus the time between
 * the pod's first image pull starting and its last one ending.
 *
 * Only pods first seen without a status.startTime are tracked (pods that were scheduled after the
 * agent started, not ones it adopts); each is observed once. The moments come from three places:
 * the watch (observed), the image puller (pull started, pull finished) and the status writer
 * (a status with every container running was written).
 */
import type { IPod, IPodStatus } from "kubernetes-models/v1";
import type { Histogram } from "../../common/metrics/index.js";

interface PodState {
  firstPullStartedMs: number | undefined;
  lastPullFinishedMs: number | undefined;
  /** When a status with every container running was first written. */
  runningWrittenMs: number | undefined;
}

/** Every app container has started and runs (kubelet: hasPodStartedSLO; a status without any is not). */
export function allContainersRunning(status: IPodStatus | undefined): boolean {
  const containers = status?.containerStatuses ?? [];
  return containers.length > 0 && containers.every((c) => c.state?.running?.startedAt !== undefined);
}

function isTerminal(status: IPodStatus | undefined): boolean {
  return status?.phase === "Succeeded" || status?.phase === "Failed";
}

export class PodStartupLatencyTracker {
  readonly #pods = new Map<string, PodState>();
  readonly #sli: Histogram;
  readonly #total: Histogram;

  /** sli: pod_start_sli_duration_seconds; total: pod_start_total_duration_seconds. */
  constructor(sli: Histogram, total: Histogram) {
    this.#sli = sli;
    this.#total = total;
  }

  /** kubelet: ObservedPodOnWatch. Every add and update the watch delivers, status-only ones too. */
  observed(pod: IPod, nowMs: number): void {
    const uid = pod.metadata?.uid ?? "";
    if (uid === "") return;
    if (isTerminal(pod.status)) {
      this.#pods.delete(uid);
      return;
    }
    const state = this.#pods.get(uid);
    if (state === undefined) {
      if (pod.status?.startTime === undefined) {
        this.#pods.set(uid, {
          firstPullStartedMs: undefined,
          lastPullFinishedMs: undefined,
          runningWrittenMs: undefined,
        });
      }
      return;
    }
    if (state.runningWrittenMs === undefined || !allContainersRunning(pod.status)) return;
    const created = Date.parse(String(pod.metadata?.creationTimestamp ?? ""));
    this.#pods.delete(uid);
    if (!Number.isFinite(created)) return;
    const pulling =
      state.firstPullStartedMs === undefined || state.lastPullFinishedMs === undefined
        ? 0
        : Math.max(0, state.lastPullFinishedMs - state.firstPullStartedMs);
    const total = (nowMs - created) / 1000;
    this.#sli.observe(total - pulling / 1000);
    this.#total.observe(total);
  }

  /** kubelet: RecordImageStartedPulling; the first pull of the pod counts. */
  pullStarted(uid: string, nowMs: number): void {
    const state = this.#pods.get(uid);
    if (state !== undefined && state.firstPullStartedMs === undefined) state.firstPullStartedMs = nowMs;
  }

  /** kubelet: RecordImageFinishedPulling; the last successful pull of the pod counts. */
  pullFinished(uid: string, nowMs: number): void {
    const state = this.#pods.get(uid);
    if (state !== undefined) state.lastPullFinishedMs = nowMs;
  }

  /** kubelet: RecordStatusUpdated, after the status manager wrote the pod's status. */
  statusWritten(uid: string, status: IPodStatus, nowMs: number): void {
    const state = this.#pods.get(uid);
    if (state === undefined || state.runningWrittenMs !== undefined) return;
    if (allContainersRunning(status)) state.runningWrittenMs = nowMs;
  }

  /** kubelet: DeletePodStartupState. */
  forget(uid: string): void {
    this.#pods.delete(uid);
  }

  /** Pods being tracked (for leak checks). */
  get size(): number {
    return this.#pods.size;
  }
}
