/**
 * Eviction thresholds and the pure rules over them (kubelet: eviction/helpers.go
 * ParseThresholdConfig, thresholdsMet, thresholdsFirstObservedAt, thresholdsMetGracePeriod,
 * nodeConditions, nodeConditionsObservedSince, byEvictionPriority).
 */
import { BerthError, ErrorCode } from "../../common/errors.js";
import {
  parseEvictionThresholds,
  thresholdAmount,
  type EvictionSignal,
  type ThresholdValue,
} from "../node/index.js";
import type { Observations } from "./observations.js";

export type { EvictionSignal, ThresholdValue };

/** A threshold: the signal's available amount below `value` (kubelet: OpLessThan, the only operator). */
export interface Threshold {
  readonly signal: EvictionSignal;
  readonly value: ThresholdValue;
  /** ms a soft threshold must be met before it is acted on; 0 for a hard threshold. */
  readonly gracePeriodMs: number;
  /** How much beyond the threshold must be available again before it counts as resolved. */
  readonly minReclaim?: ThresholdValue;
}

export type NodeConditionType = "MemoryPressure" | "DiskPressure" | "PIDPressure";

/** kubelet: signalToNodeCondition. */
export const SIGNAL_TO_NODE_CONDITION: Readonly<Record<EvictionSignal, NodeConditionType>> = {
  "memory.available": "MemoryPressure",
  "nodefs.available": "DiskPressure",
  "nodefs.inodesFree": "DiskPressure",
  "imagefs.available": "DiskPressure",
  "imagefs.inodesFree": "DiskPressure",
  "pid.available": "PIDPressure",
};

/** The resource a signal reclaims (kubelet: signalToResource; "inodes" and "pids" are the module's own). */
export type ReclaimResource = "memory" | "ephemeral-storage" | "inodes" | "pids";

export const SIGNAL_TO_RESOURCE: Readonly<Record<EvictionSignal, ReclaimResource>> = {
  "memory.available": "memory",
  "nodefs.available": "ephemeral-storage",
  "nodefs.inodesFree": "inodes",
  "imagefs.available": "ephemeral-storage",
  "imagefs.inodesFree": "inodes",
  "pid.available": "pids",
};

export interface ThresholdConfig {
  readonly evictionHard: Readonly<Record<string, string>>;
  readonly evictionSoft: Readonly<Record<string, string>>;
  readonly evictionSoftGracePeriod: Readonly<Record<string, number>>;
  readonly evictionMinimumReclaim: Readonly<Record<string, string>>;
}

/** kubelet: ParseThresholdConfig (hard first, then soft, each with its minimum reclaim). */
export function parseThresholdConfig(config: ThresholdConfig): Threshold[] {
  const minReclaim = parseEvictionThresholds(config.evictionMinimumReclaim);
  const out: Threshold[] = [];
  const add = (signal: EvictionSignal, value: ThresholdValue, gracePeriodMs: number): void => {
    const reclaim = minReclaim.get(signal);
    out.push({ signal, value, gracePeriodMs, ...(reclaim === undefined ? {} : { minReclaim: reclaim }) });
  };
  for (const [signal, value] of parseEvictionThresholds(config.evictionHard)) add(signal, value, 0);
  for (const [signal, value] of parseEvictionThresholds(config.evictionSoft)) {
    const grace = config.evictionSoftGracePeriod[signal];
    if (grace === undefined) {
      throw new BerthError(
        ErrorCode.Config,
        `evictionSoftGracePeriod: grace period must be specified for the soft eviction threshold ${signal}`,
      );
    }
    add(signal, value, grace);
  }
  return out;
}

export function isHardThreshold(t: Threshold): boolean {
  return t.gracePeriodMs === 0;
}

/** The threshold as an amount against a capacity (kubelet: GetThresholdQuantity). */
export function thresholdQuantity(t: Threshold, capacity: bigint): bigint {
  return thresholdAmount(t.value, capacity);
}

/**
 * The thresholds met by the observations (kubelet: thresholdsMet); with enforceMinReclaim a
 * threshold stays met until its minimum reclaim is available on top of it.
 */
export function thresholdsMet(
  thresholds: readonly Threshold[],
  observations: Observations,
  enforceMinReclaim: boolean,
): Threshold[] {
  return thresholds.filter((t) => {
    const observed = observations.get(t.signal);
    if (observed === undefined) return false;
    let quantity = thresholdQuantity(t, observed.capacity);
    if (enforceMinReclaim && t.minReclaim !== undefined) {
      quantity += thresholdAmount(t.minReclaim, observed.capacity);
    }
    // kubelet: met when the threshold is greater than what is available.
    return quantity > observed.available;
  });
}

function key(t: Threshold): string {
  return `${t.signal}/${t.gracePeriodMs === 0 ? "hard" : "soft"}`;
}

/** kubelet: mergeThresholds (a union, each threshold once). */
export function mergeThresholds(a: readonly Threshold[], b: readonly Threshold[]): Threshold[] {
  const seen = new Set(a.map(key));
  return [...a, ...b.filter((t) => !seen.has(key(t)))];
}

export type ObservedAt = ReadonlyMap<string, number>;

/** kubelet: thresholdsFirstObservedAt, keyed by signal and hardness. */
export function thresholdsFirstObservedAt(
  thresholds: readonly Threshold[],
  last: ObservedAt,
  now: number,
): Map<string, number> {
  return new Map(thresholds.map((t) => [key(t), last.get(key(t)) ?? now]));
}

/** kubelet: thresholdsMetGracePeriod: those met for at least their grace period. */
export function thresholdsMetGracePeriod(
  thresholds: readonly Threshold[],
  firstObservedAt: ObservedAt,
  now: number,
): Threshold[] {
  return thresholds.filter((t) => {
    const since = firstObservedAt.get(key(t));
    return since !== undefined && now - since >= t.gracePeriodMs;
  });
}

/** kubelet: nodeConditions, in first-seen order without repeats. */
export function nodeConditions(thresholds: readonly Threshold[]): NodeConditionType[] {
  return [...new Set(thresholds.map((t) => SIGNAL_TO_NODE_CONDITION[t.signal]))];
}

/** kubelet: nodeConditionsLastObservedAt. */
export function nodeConditionsLastObservedAt(
  conditions: readonly NodeConditionType[],
  last: ReadonlyMap<NodeConditionType, number>,
  now: number,
): Map<NodeConditionType, number> {
  const out = new Map(last);
  for (const c of conditions) out.set(c, now);
  return out;
}

/** kubelet: nodeConditionsObservedSince: conditions seen within the transition period. */
export function nodeConditionsObservedSince(
  observedAt: ReadonlyMap<NodeConditionType, number>,
  periodMs: number,
  now: number,
): NodeConditionType[] {
  return [...observedAt].filter(([, at]) => now - at < periodMs).map(([c]) => c);
}

/**
 * kubelet: byEvictionPriority: memory first, then the signals the manager can reclaim by evicting
 * pods; a stable sort otherwise.
 */
export function byEvictionPriority(thresholds: readonly Threshold[]): Threshold[] {
  const rank = (t: Threshold): number => (t.signal === "memory.available" ? 0 : 1);
  return [...thresholds].sort((a, b) => rank(a) - rank(b));
}
