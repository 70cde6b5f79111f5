/**
 * The scheduling framework's extension points that berth's default profile uses: PreFilter and
 * Filter (may a pod run on a node, and if not, why), PreScore, Score and NormalizeScore (how
 * good is each feasible node), with CycleState carrying what a plugin computed once per cycle.
 */

import type { NodeInfo } from "./node-info.js";
import type { PodInfo } from "./pod-info.js";

// framework: MaxNodeScore, MinNodeScore
export const MAX_NODE_SCORE = 100;
export const MIN_NODE_SCORE = 0;

/**
 * framework.Code: Unschedulable may change if pods are removed from the node (preemption could
 * help); UnschedulableAndUnresolvable will not.
 */
export type FailureCode = "Unschedulable" | "UnschedulableAndUnresolvable";

export interface FilterFailure {
  readonly code: FailureCode;
  readonly reasons: readonly string[];
  readonly plugin: string;
}

/** What one scheduling cycle shares between plugins. */
export class CycleState {
  readonly #data = new Map<string, unknown>();

  constructor(
    readonly pod: PodInfo,
    /** Every node in the cache snapshot, feasible or not. */
    readonly allNodes: readonly NodeInfo[],
  ) {}

  write(key: string, value: unknown): void {
    this.#data.set(key, value);
  }

  read<T>(key: string): T | undefined {
    return this.#data.get(key) as T | undefined;
  }
}

export interface FilterPlugin {
  readonly name: string;
  /** Once per cycle before Filter; may reject the pod for every node at once. */
  preFilter?(state: CycleState): FilterFailure | undefined;
  filter(state: CycleState, node: NodeInfo): FilterFailure | undefined;
}

export interface NodeScore {
  readonly node: NodeInfo;
  score: number;
}

export interface ScorePlugin {
  readonly name: string;
  readonly weight: number;
  /** Once per cycle over the feasible nodes; false skips this plugin's scoring for the pod. */
  preScore?(state: CycleState, nodes: readonly NodeInfo[]): boolean;
  score(state: CycleState, node: NodeInfo): number;
  normalize?(state: CycleState, scores: NodeScore[]): void;
}

export interface Profile {
  readonly schedulerName: string;
  readonly filters: readonly FilterPlugin[];
  readonly scores: readonly ScorePlugin[];
}

export function fail(plugin: string, code: FailureCode, ...reasons: string[]): FilterFailure {
  return { plugin, code, reasons };
}

/**
 * framework helper DefaultNormalizeScore: scales to 0..maxScore by the highest score; `reverse`
 * turns a count of bad things into a score. All zero stays zero (or becomes maxScore reversed).
 */
export function defaultNormalizeScore(maxScore: number, reverse: boolean, scores: NodeScore[]): void {
  let max = 0;
  for (const s of scores) if (s.score > max) max = s.score;
  if (max === 0) {
    if (reverse) for (const s of scores) s.score = maxScore;
    return;
  }
  for (const s of scores) {
    let v = Math.trunc((maxScore * s.score) / max);
    if (reverse) v = maxScore - v;
    s.score = v;
  }
}
