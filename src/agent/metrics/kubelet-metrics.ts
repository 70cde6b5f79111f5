/**
 * The kubelet's own metrics that berth records as it works (kubelet: pkg/kubelet/metrics), with
 * the kubelet's names, help texts, labels and buckets. The parts of the agent record into one
 * KubeletMetrics; /metrics renders it together with the gauges it reads at scrape time.
 */
import type { IPod, IPodStatus } from "kubernetes-models/v1";
import { Counter, DEFAULT_BUCKETS, Histogram, exponentialBuckets } from "../../common/metrics/index.js";
import { PodStartupLatencyTracker } from "./pod-startup-latency.js";

/** kubelet: podStartupDurationBuckets. */
export const POD_STARTUP_DURATION_BUCKETS: readonly number[] = [
  0.5, 1, 2, 3, 4, 5, 6, 8, 10, 20, 30, 45, 60, 120, 180, 240, 300, 360, 480, 600, 900, 1200, 1800, 2700,
  3600,
];
/** kubelet: the runtime_operations_duration_seconds buckets, ExponentialBuckets(.005, 2.5, 14). */
export const RUNTIME_OPERATION_BUCKETS: readonly number[] = exponentialBuckets(0.005, 2.5, 14);

/** kubelet: SyncPodType as pod_worker_duration_seconds labels it. */
export type PodWorkerOperation = "create" | "update" | "sync";
/** kubelet: the container_type label of started_containers_total. */
export type StartedContainerType = "container" | "init_container";

/** What the pod workers record. */
export interface PodWorkerMetrics {
  /** A worker made at seenAtMs (the pod first seen) began its first sync at nowMs. */
  workerStarted(uid: string, seenAtMs: number, nowMs: number): void;
  /** One sync of a pod ended, this long after the wake that asked for it. */
  synced(operation: PodWorkerOperation, seconds: number): void;
}

/** What the pod sync records. */
export interface PodSyncMetrics {
  /** The pod's phase went from Pending to Running (its start counts from its worker's making). */
  podRunning(uid: string, nowMs: number): void;
  podForgotten(uid: string): void;
  /** A sandbox creation began (kubelet: started_pods_total). */
  sandboxStarted(): void;
  /** It failed (kubelet: started_pods_errors_total). */
  sandboxFailed(): void;
  containerStarted(type: StartedContainerType): void;
  /** A container start failed, with its waiting reason (kubelet: the error's name as code). */
  containerStartFailed(type: StartedContainerType, code: string): void;
  /** The pod's status was written (kubelet: the status manager's RecordStatusUpdated). */
  podStatusWritten(uid: string, status: IPodStatus, nowMs: number): void;
}

/** What the pod source records: every pod the watch delivers (kubelet: ObservedPodOnWatch). */
export interface PodSourceMetrics {
  podObserved(pod: IPod, nowMs: number): void;
}

/** What the image puller records (kubelet: RecordImageStartedPulling, RecordImageFinishedPulling). */
export interface ImagePullMetrics {
  imagePullStarted(uid: string, nowMs: number): void;
  /** A pull of the pod's succeeded. */
  imagePullFinished(uid: string, nowMs: number): void;
}

export class KubeletMetrics implements PodWorkerMetrics, PodSyncMetrics, PodSourceMetrics, ImagePullMetrics {
  readonly podWorkerDuration = new Histogram({
    name: "kubelet_pod_worker_duration_seconds",
    help: "Duration in seconds to sync a single pod. Broken down by operation type: create, update, or sync",
    labelNames: ["operation_type"],
    buckets: DEFAULT_BUCKETS,
  });
  readonly podWorkerStartDuration = new Histogram({
    name: "kubelet_pod_worker_start_duration_seconds",
    help: "Duration in seconds from kubelet seeing a pod to starting a worker.",
    buckets: DEFAULT_BUCKETS,
  });
  readonly podStartDuration = new Histogram({
    name: "kubelet_pod_start_duration_seconds",
    help: "Duration in seconds from kubelet seeing a pod for the first time to the pod starting to run",
    buckets: POD_STARTUP_DURATION_BUCKETS,
  });
  readonly podStartSliDuration = new Histogram({
    name: "kubelet_pod_start_sli_duration_seconds",
    help: "Duration in seconds to start a pod, excluding time to pull images and run init containers, measured from pod creation timestamp to when all its containers are reported as started and observed via watch",
    buckets: POD_STARTUP_DURATION_BUCKETS,
  });
  readonly podStartTotalDuration = new Histogram({
    name: "kubelet_pod_start_total_duration_seconds",
    help: "Duration in seconds to start a pod since creation, including time to pull images and run init containers, measured from pod creation timestamp to when all its containers are reported as started and observed via watch",
    buckets: POD_STARTUP_DURATION_BUCKETS,
  });
  readonly runtimeOperations = new Counter({
    name: "kubelet_runtime_operations_total",
    help: "Cumulative number of runtime operations by operation type.",
    labelNames: ["operation_type"],
  });
  readonly runtimeOperationsDuration = new Histogram({
    name: "kubelet_runtime_operations_duration_seconds",
    help: "Duration in seconds of runtime operations. Broken down by operation type.",
    labelNames: ["operation_type"],
    buckets: RUNTIME_OPERATION_BUCKETS,
  });
  readonly runtimeOperationsErrors = new Counter({
    name: "kubelet_runtime_operations_errors_total",
    help: "Cumulative number of runtime operation errors by operation type.",
    labelNames: ["operation_type"],
  });
  readonly runPodSandboxDuration = new Histogram({
    name: "kubelet_run_podsandbox_duration_seconds",
    help: "Duration in seconds of the run_podsandbox operations. Broken down by RuntimeClass.Handler.",
    labelNames: ["runtime_handler"],
    buckets: DEFAULT_BUCKETS,
  });
  readonly runPodSandboxErrors = new Counter({
    name: "kubelet_run_podsandbox_errors_total",
    help: "Cumulative number of the run_podsandbox operation errors by RuntimeClass.Handler.",
    labelNames: ["runtime_handler"],
  });
  readonly plegRelistDuration = new Histogram({
    name: "kubelet_pleg_relist_duration_seconds",
    help: "Duration in seconds for relisting pods in PLEG.",
    buckets: DEFAULT_BUCKETS,
  });
  readonly plegRelistInterval = new Histogram({
    name: "kubelet_pleg_relist_interval_seconds",
    help: "Interval in seconds between relisting in PLEG.",
    buckets: DEFAULT_BUCKETS,
  });
  readonly startedPods = new Counter({
    name: "kubelet_started_pods_total",
    help: "Cumulative number of pods started",
  });
  readonly startedPodsErrors = new Counter({
    name: "kubelet_started_pods_errors_total",
    help: "Cumulative number of errors when starting pods",
  });
  readonly startedContainers = new Counter({
    name: "kubelet_started_containers_total",
    help: "Cumulative number of containers started",
    labelNames: ["container_type"],
  });
  readonly startedContainersErrors = new Counter({
    name: "kubelet_started_containers_errors_total",
    help: "Cumulative number of errors when starting containers",
    labelNames: ["container_type", "code"],
  });
  readonly evictions = new Counter({
    name: "kubelet_evictions",
    help: "Cumulative number of pod evictions by eviction signal",
    labelNames: ["eviction_signal"],
  });
  /** Unix seconds of the last relist (kubelet: pleg_last_seen_seconds); 0 before the first. */
  #plegLastSeen = 0;
  #lastRelistStartMs: number | undefined;
  /** When each pod not yet running was first seen, ms. */
  readonly #firstSeen = new Map<string, number>();
  readonly #startup = new PodStartupLatencyTracker(this.podStartSliDuration, this.podStartTotalDuration);

  workerStarted(uid: string, seenAtMs: number, nowMs: number): void {
    this.podWorkerStartDuration.observe((nowMs - seenAtMs) / 1000);
    if (!this.#firstSeen.has(uid)) this.#firstSeen.set(uid, seenAtMs);
  }

  synced(operation: PodWorkerOperation, seconds: number): void {
    this.podWorkerDuration.observe(seconds, operation);
  }

  podRunning(uid: string, nowMs: number): void {
    const seen = this.#firstSeen.get(uid);
    if (seen === undefined) return;
    this.#firstSeen.delete(uid);
    this.podStartDuration.observe((nowMs - seen) / 1000);
  }

  podForgotten(uid: string): void {
    this.#firstSeen.delete(uid);
    this.#startup.forget(uid);
  }

  podObserved(pod: IPod, nowMs: number): void {
    this.#startup.observed(pod, nowMs);
  }

  podStatusWritten(uid: string, status: IPodStatus, nowMs: number): void {
    this.#startup.statusWritten(uid, status, nowMs);
  }

  imagePullStarted(uid: string, nowMs: number): void {
    this.#startup.pullStarted(uid, nowMs);
  }

  imagePullFinished(uid: string, nowMs: number): void {
    this.#startup.pullFinished(uid, nowMs);
  }

  /** Pods whose start the SLI still waits for. */
  get startupTracked(): number {
    return this.#startup.size;
  }

  sandboxStarted(): void {
    this.startedPods.inc();
  }

  sandboxFailed(): void {
    this.startedPodsErrors.inc();
  }

  containerStarted(type: StartedContainerType): void {
    this.startedContainers.inc(type);
  }

  containerStartFailed(type: StartedContainerType, code: string): void {
    this.startedContainersErrors.inc(type, code);
  }

  /** One runtime call (kubelet: instrumentedRuntimeService's recordOperation and recordError). */
  runtimeOperation(operation: string, seconds: number, failed: boolean): void {
    this.runtimeOperations.inc(operation);
    this.runtimeOperationsDuration.observe(seconds, operation);
    if (failed) this.runtimeOperationsErrors.inc(operation);
  }

  /** kubelet: RunPodSandbox's own duration and errors by runtime handler ("" for the default). */
  runPodSandbox(runtimeHandler: string, seconds: number, failed: boolean): void {
    this.runPodSandboxDuration.observe(seconds, runtimeHandler);
    if (failed) this.runPodSandboxErrors.inc(runtimeHandler);
  }

  /**
   * One PLEG relist that began at startMs and took durationMs; the interval counts from the
   * previous relist's start, as the kubelet's does.
   */
  relisted(startMs: number, durationMs: number): void {
    if (this.#lastRelistStartMs !== undefined) {
      this.plegRelistInterval.observe((startMs - this.#lastRelistStartMs) / 1000);
    }
    this.#lastRelistStartMs = startMs;
    this.plegRelistDuration.observe(durationMs / 1000);
    this.#plegLastSeen = Math.floor((startMs + durationMs) / 1000);
  }

  /** kubelet: Evictions, by the signal whose threshold was met. */
  evicted(signal: string): void {
    this.evictions.inc(signal);
  }

  render(): string {
    return [
      this.podWorkerDuration.render(),
      this.podWorkerStartDuration.render(),
      this.podStartDuration.render(),
      this.podStartSliDuration.render(),
      this.podStartTotalDuration.render(),
      this.runtimeOperations.render(),
      this.runtimeOperationsDuration.render(),
      this.runtimeOperationsErrors.render(),
      this.runPodSandboxDuration.render(),
      this.runPodSandboxErrors.render(),
      this.plegRelistDuration.render(),
      this.plegRelistInterval.render(),
      "# HELP kubelet_pleg_last_seen_seconds [ALPHA] Timestamp in seconds when PLEG was last seen active.\n" +
        `# TYPE kubelet_pleg_last_seen_seconds gauge\nkubelet_pleg_last_seen_seconds ${this.#plegLastSeen}\n`,
      this.startedPods.render(),
      this.startedPodsErrors.render(),
      this.startedContainers.render(),
      this.startedContainersErrors.render(),
      this.evictions.render(),
    ].join("");
  }
}
