/**
 * The eviction manager (kubelet: eviction_manager.go). Every monitoring period it observes the
 * node, evicts pods over their local storage limits, works out which thresholds are met (soft ones
 * after their grace period, met ones until their minimum reclaim is back), keeps the pressure
 * conditions for the transition period, reclaims node-level resources for disk, and else evicts
 * the first evictable pod in rank order: at most one pod per pass, then it waits for that pod to
 * be cleaned up. Admission asks it whether a pod may start under the current conditions.
 * Lifecycle: start(signal), ready (the first pass ran), stop().
 */
import type { IPod, IPodCondition } from "kubernetes-models/v1";
import { BerthError, ErrorCode, errorMessage } from "../../common/errors.js";
import type { Clock } from "../../common/clock.js";
import type { Logger } from "../../common/log.js";
import type { EventRecorder } from "../events/index.js";
import { isCriticalPod } from "../resources/index.js";
import type { PressureState } from "../node/index.js";
import type { KubeletMetrics } from "../metrics/index.js";
import { admitUnderPressure, type PressureAdmission } from "./admission.js";
import type { DiskReclaimer } from "./disk-reclaimer.js";
import { hasLocalStorageLimits, localStorageViolation } from "./local-storage.js";
import { CONDITION_DISRUPTION_TARGET, REASON_TERMINATION_BY_KUBELET } from "../pods/index.js";
import { evictionMessage, REASON_EVICTED } from "./messages.js";
import { makeSignalObservations, type NodeSummary, type Observations } from "./observations.js";
import type { PodStatsMap, PodStatsSource } from "./pod-stats.js";
import { rankForEviction } from "./ranking.js";
import {
  byEvictionPriority,
  isHardThreshold,
  mergeThresholds,
  nodeConditions,
  nodeConditionsLastObservedAt,
  nodeConditionsObservedSince,
  SIGNAL_TO_RESOURCE,
  thresholdsFirstObservedAt,
  thresholdsMet,
  thresholdsMetGracePeriod,
  type NodeConditionType,
  type Threshold,
} from "./thresholds.js";

/** kubelet: immediateEvictionGracePeriodSeconds, the grace of hard and local storage evictions. */
export const IMMEDIATE_EVICTION_GRACE_PERIOD_SECONDS = 1;
/** kubelet: podCleanupTimeout and podCleanupPollFreq, the wait for an evicted pod to be cleaned up. */
export const POD_CLEANUP_TIMEOUT_MS = 30_000;
export const POD_CLEANUP_POLL_MS = 1_000;

/** What the eviction sets on the pod it kills (kubelet: the status function of killPodFunc). */
export interface PodEviction {
  readonly gracePeriodSeconds: number;
  readonly reason: string;
  readonly message: string;
  readonly condition: IPodCondition;
}

/** kubelet: KillPodFunc: kills the pod and makes it Failed with the eviction's status. */
export type KillPodFunc = (pod: IPod, eviction: PodEviction) => Promise<void>;

export interface EvictionManagerConfig {
  readonly thresholds: readonly Threshold[];
  /** ms between passes (kubelet: evictionMonitoringPeriod). */
  readonly monitoringPeriodMs: number;
  /** ms (kubelet: evictionPressureTransitionPeriod). */
  readonly pressureTransitionPeriodMs: number;
  /** Seconds (kubelet: evictionMaxPodGracePeriod). */
  readonly maxPodGracePeriodSeconds: number;
  /** kubelet: LocalStorageCapacityIsolation (on by default). */
  readonly localStorageCapacityIsolation: boolean;
}

export interface EvictionManagerOptions {
  readonly config: EvictionManagerConfig;
  readonly node: { summary(): Promise<NodeSummary> };
  readonly podStats: PodStatsSource;
  /** The pods admitted and not terminated (kubelet: ActivePodsFunc). */
  readonly activePods: () => readonly IPod[];
  readonly killPod: KillPodFunc;
  /** Dead containers and unused images, reclaimed before pods are evicted for disk. */
  readonly reclaimer?: DiskReclaimer;
  readonly recorder: EventRecorder;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Called when the pressure conditions change (the node status can be written at once). */
  readonly onConditionsChange?: (conditions: readonly NodeConditionType[]) => void;
  /** kubelet: Evictions, counted by the signal whose threshold was met. */
  readonly metrics?: Pick<KubeletMetrics, "evicted">;
}

function configError(message: string): BerthError {
  return new BerthError(ErrorCode.Config, `eviction: ${message}`);
}

function checkConfig(c: EvictionManagerConfig): void {
  if (!(Number.isFinite(c.monitoringPeriodMs) && c.monitoringPeriodMs > 0))
    throw configError(`monitoring period must be positive, not ${c.monitoringPeriodMs}`);
  if (!(Number.isFinite(c.pressureTransitionPeriodMs) && c.pressureTransitionPeriodMs >= 0))
    throw configError(
      `evictionPressureTransitionPeriod must not be negative, not ${c.pressureTransitionPeriodMs}`,
    );
  if (!(Number.isInteger(c.maxPodGracePeriodSeconds) && c.maxPodGracePeriodSeconds >= 0))
    throw configError(
      `evictionMaxPodGracePeriod must be a non-negative integer, not ${c.maxPodGracePeriodSeconds}`,
    );
}

function podName(pod: IPod): string {
  return `${pod.metadata?.namespace ?? ""}/${pod.metadata?.name ?? ""}`;
}

export class EvictionManager {
  /** Resolves once the first pass has run. */
  readonly ready: Promise<void>;
  readonly #o: EvictionManagerOptions;
  readonly #log: Logger;
  readonly #stop = new AbortController();
  #loop: Promise<void> | undefined;
  #resolveReady!: () => void;
  #conditions: NodeConditionType[] = [];
  #conditionsObservedAt = new Map<NodeConditionType, number>();
  #thresholdsFirstObservedAt = new Map<string, number>();
  #thresholdsMet: Threshold[] = [];
  #lastObservations: Observations = new Map();

  constructor(options: EvictionManagerOptions) {
    checkConfig(options.config);
    this.#o = options;
    this.#log = options.logger.child({ component: "eviction" });
    this.ready = new Promise((resolve) => (this.#resolveReady = resolve));
  }

  start(signal: AbortSignal): void {
    if (this.#loop !== undefined) throw new BerthError(ErrorCode.Invalid, "eviction manager already started");
    if (signal.aborted) this.#stop.abort();
    else signal.addEventListener("abort", () => this.#stop.abort(), { once: true });
    this.#loop = this.#run(this.#stop.signal);
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
  }

  /** The pressure conditions in force (kubelet: IsUnderMemoryPressure and its siblings). */
  conditions(): readonly NodeConditionType[] {
    return [...this.#conditions];
  }

  pressure(): PressureState {
    const has = (c: NodeConditionType): boolean => this.#conditions.includes(c);
    return {
      MemoryPressure: has("MemoryPressure"),
      DiskPressure: has("DiskPressure"),
      PIDPressure: has("PIDPressure"),
    };
  }

  /** kubelet: the eviction manager's Admit. */
  admit(pod: IPod): PressureAdmission {
    return admitUnderPressure(pod, this.#conditions);
  }

  /** The observations of the last pass (for logs and tests). */
  observations(): Observations {
    return this.#lastObservations;
  }

  async #run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      let evicted: IPod[] = [];
      try {
        evicted = await this.synchronize();
      } catch (err) {
        if (!signal.aborted) this.#log.warn({ err: errorMessage(err) }, "eviction pass failed");
      }
      this.#resolveReady();
      try {
        if (evicted.length > 0) await this.#waitForCleanup(evicted, signal);
        else await this.#o.clock.sleep(this.#o.config.monitoringPeriodMs, signal);
      } catch {
        return;
      }
    }
  }

  /** kubelet: waitForPodsCleanup: until the evicted pods are no longer active, or the timeout. */
  async #waitForCleanup(pods: readonly IPod[], signal: AbortSignal): Promise<void> {
    const uids = new Set(pods.map((p) => p.metadata?.uid ?? ""));
    const deadline = this.#o.clock.now() + POD_CLEANUP_TIMEOUT_MS;
    while (this.#o.clock.now() < deadline) {
      if (!this.#o.activePods().some((p) => uids.has(p.metadata?.uid ?? ""))) return;
      await this.#o.clock.sleep(POD_CLEANUP_POLL_MS, signal);
    }
    this.#log.info({ pods: pods.map(podName) }, "evicted pods not cleaned up in time");
  }

  /** One pass (kubelet: synchronize); the pods it evicted. */
  async synchronize(): Promise<IPod[]> {
    const { config } = this.#o;
    if (config.thresholds.length === 0 && !config.localStorageCapacityIsolation) return [];
    const active = this.#o.activePods();
    // Pod usage costs a stats call per container (1 to 2 s each on Docker) and a walk of each
    // emptyDir: measured each pass only for the pods with a local storage limit, and for all pods
    // only when a threshold is met and they must be ranked.
    const limited = config.localStorageCapacityIsolation ? active.filter(hasLocalStorageLimits) : [];
    const [summary, limitedStats] = await Promise.all([
      this.#o.node.summary(),
      limited.length > 0 ? this.#o.podStats.podStats(limited) : (new Map() as PodStatsMap),
    ]);

    if (limited.length > 0) {
      const evicted = await this.#localStorageEviction(limited, limitedStats);
      if (evicted.length > 0) return evicted;
    }

    const observations = makeSignalObservations(summary);
    this.#lastObservations = observations;
    const now = this.#o.clock.now();
    let thresholds = thresholdsMet(config.thresholds, observations, false);
    // Thresholds met before stay met until their minimum reclaim is available again.
    if (this.#thresholdsMet.length > 0) {
      thresholds = mergeThresholds(thresholds, thresholdsMet(this.#thresholdsMet, observations, true));
    }
    const firstObservedAt = thresholdsFirstObservedAt(thresholds, this.#thresholdsFirstObservedAt, now);
    const observedAt = nodeConditionsLastObservedAt(
      nodeConditions(thresholds),
      this.#conditionsObservedAt,
      now,
    );
    const conditions = nodeConditionsObservedSince(observedAt, config.pressureTransitionPeriodMs, now);
    const metAfterGrace = thresholdsMetGracePeriod(thresholds, firstObservedAt, now);

    const changed =
      conditions.length !== this.#conditions.length || conditions.some((c) => !this.#conditions.includes(c));
    this.#conditions = conditions;
    this.#conditionsObservedAt = observedAt;
    this.#thresholdsFirstObservedAt = firstObservedAt;
    this.#thresholdsMet = thresholds;
    if (changed) {
      this.#log.info({ conditions }, "node pressure conditions changed");
      try {
        this.#o.onConditionsChange?.(conditions);
      } catch (err) {
        this.#log.warn({ err: errorMessage(err) }, "pressure listener threw");
      }
    }
    if (metAfterGrace.length === 0) return [];

    const [toReclaim] = byEvictionPriority(metAfterGrace);
    if (toReclaim === undefined) return [];
    const resource = SIGNAL_TO_RESOURCE[toReclaim.signal];
    this.#log.info(
      { signal: toReclaim.signal, available: String(observations.get(toReclaim.signal)?.available) },
      "eviction threshold met, attempting to reclaim",
    );
    if (await this.#reclaimNodeLevel(toReclaim)) return [];

    const stats = await this.#o.podStats.podStats(active);
    const ranked = rankForEviction(active, stats, resource);
    for (const pod of ranked) {
      let grace = IMMEDIATE_EVICTION_GRACE_PERIOD_SECONDS;
      if (!isHardThreshold(toReclaim)) {
        // kubelet: the pod's own grace caps evictionMaxPodGracePeriod.
        const own = pod.spec?.terminationGracePeriodSeconds;
        grace =
          own === undefined
            ? config.maxPodGracePeriodSeconds
            : Math.min(config.maxPodGracePeriodSeconds, own);
      }
      const uid = pod.metadata?.uid ?? "";
      const message = evictionMessage(resource, pod, stats.get(uid), metAfterGrace, observations);
      if (await this.#evict(pod, grace, message)) {
        this.#o.metrics?.evicted(toReclaim.signal);
        return [pod];
      }
    }
    this.#log.info({ signal: toReclaim.signal }, "unable to evict any pods from the node");
    return [];
  }

  /**
   * kubelet: reclaimNodeLevelResources: for disk signals, dead containers then unused images;
   * true when the thresholds (with their minimum reclaim) are no longer met afterwards.
   */
  async #reclaimNodeLevel(threshold: Threshold): Promise<boolean> {
    const reclaimer = this.#o.reclaimer;
    if (
      reclaimer === undefined ||
      threshold.signal === "memory.available" ||
      threshold.signal === "pid.available"
    )
      return false;
    try {
      await reclaimer.deleteAllUnusedContainers();
      const freed = await reclaimer.deleteUnusedImages();
      this.#log.info({ signal: threshold.signal, imageBytesFreed: freed }, "node-level resources reclaimed");
    } catch (err) {
      this.#log.warn({ err: errorMessage(err) }, "node-level reclaim failed");
    }
    const observations = makeSignalObservations(await this.#o.node.summary());
    return thresholdsMet(this.#o.config.thresholds, observations, true).length === 0;
  }

  /** kubelet: localStorageEviction: every pod over a local storage limit, at once. */
  async #localStorageEviction(active: readonly IPod[], stats: PodStatsMap): Promise<IPod[]> {
    const evicted: IPod[] = [];
    for (const pod of active) {
      const message = localStorageViolation(pod, stats.get(pod.metadata?.uid ?? ""));
      if (message === undefined) continue;
      if (await this.#evict(pod, IMMEDIATE_EVICTION_GRACE_PERIOD_SECONDS, message)) evicted.push(pod);
    }
    return evicted;
  }

  /** kubelet: evictPod: never a critical pod; the Evicted event, then the kill. */
  async #evict(pod: IPod, gracePeriodSeconds: number, message: string): Promise<boolean> {
    if (isCriticalPod(pod)) {
      this.#log.warn({ pod: podName(pod) }, "cannot evict a critical pod");
      return false;
    }
    const m = pod.metadata ?? {};
    this.#o.recorder.event(
      {
        kind: "Pod",
        apiVersion: "v1",
        name: m.name ?? "",
        namespace: m.namespace ?? "default",
        uid: m.uid ?? "",
      },
      "Warning",
      REASON_EVICTED,
      message,
    );
    const condition: IPodCondition = {
      type: CONDITION_DISRUPTION_TARGET,
      status: "True",
      reason: REASON_TERMINATION_BY_KUBELET,
      message,
      lastTransitionTime: new Date(this.#o.clock.now()).toISOString().replace(/\.\d+Z$/, "Z"),
    };
    try {
      await this.#o.killPod(pod, { gracePeriodSeconds, reason: REASON_EVICTED, message, condition });
    } catch (err) {
      this.#log.warn({ pod: podName(pod), err: errorMessage(err) }, "eviction of pod failed");
      return false;
    }
    this.#log.info({ pod: podName(pod), message }, "pod evicted");
    return true;
  }
}
