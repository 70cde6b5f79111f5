/**
 * One scheduling cycle's algorithm (schedule_one.go schedulePod): PreFilter, Filter on every
 * node, then PreScore, Score and NormalizeScore on the feasible ones, weighted and summed; the
 * highest total wins, ties broken at random. A pod that fits nowhere yields a FitError whose
 * message is upstream's, preemption's verdict included.
 */
import { CycleState, MAX_NODE_SCORE, type FilterFailure, type NodeScore, type Profile } from "./framework.js";
import type { NodeInfo } from "./node-info.js";
import type { PodInfo } from "./pod-info.js";

// schedule_one: ErrNoNodesAvailable; framework: NoNodeAvailableMsg
export const ERR_NO_NODES_AVAILABLE = "no nodes available to schedule pods";
// preemption: the verdicts when no node has lower-priority victims
export const PREEMPTION_NOT_HELPFUL = "Preemption is not helpful for scheduling";
export const PREEMPTION_NO_VICTIMS = "No preemption victims found for incoming pod";

export type ScheduleResult =
  | { readonly kind: "fit"; readonly node: string; readonly feasible: number; readonly evaluated: number }
  | {
      readonly kind: "unschedulable";
      readonly message: string;
      readonly failures: ReadonlyMap<string, FilterFailure>;
    };

/** "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) ...." (FitError.Error without PostFilter). */
function histogram(failures: Iterable<FilterFailure>): string {
  const counts = new Map<string, number>();
  for (const f of failures) for (const r of f.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  return [...counts]
    .map(([reason, n]) => `${n} ${reason}`)
    .sort()
    .join(", ");
}

/**
 * The FailedScheduling message: the filter reasons, then DefaultPreemption's own FitError over
 * the nodes where evicting lower-priority pods could help (none here: every pod counted has no
 * lower priority to give way, or the failure cannot be resolved by evicting).
 */
export function fitErrorMessage(
  pod: PodInfo,
  nodes: readonly NodeInfo[],
  failures: ReadonlyMap<string, FilterFailure>,
): string {
  const total = nodes.length;
  const filterPart = histogram(failures.values());
  let message = `0/${total} nodes are available:`;
  if (filterPart !== "") message += ` ${filterPart}.`;
  if (pod.pod.spec?.preemptionPolicy === "Never") {
    return `${message} preemption: not eligible due to preemptionPolicy=Never.`;
  }
  const verdicts: FilterFailure[] = [];
  for (const node of nodes) {
    const f = failures.get(node.name);
    const resolvable = f !== undefined && f.code === "Unschedulable";
    verdicts.push({
      plugin: "DefaultPreemption",
      code: "UnschedulableAndUnresolvable",
      reasons: [resolvable ? PREEMPTION_NO_VICTIMS : PREEMPTION_NOT_HELPFUL],
    });
  }
  // the preemption message is a FitError of its own, whose closing period is kept
  return `${message} preemption: 0/${total} nodes are available: ${histogram(verdicts)}..`;
}

export interface ScheduleOptions {
  readonly random?: () => number;
}

export function schedulePod(
  profile: Profile,
  pod: PodInfo,
  nodes: readonly NodeInfo[],
  options: ScheduleOptions = {},
): ScheduleResult {
  if (nodes.length === 0)
    return { kind: "unschedulable", message: ERR_NO_NODES_AVAILABLE, failures: new Map() };
  const state = new CycleState(pod, nodes);
  const failures = new Map<string, FilterFailure>();
  for (const plugin of profile.filters) {
    const rejected = plugin.preFilter?.(state);
    if (rejected !== undefined) {
      for (const node of nodes) failures.set(node.name, rejected);
      return { kind: "unschedulable", message: fitErrorMessage(pod, nodes, failures), failures };
    }
  }
  const feasible: NodeInfo[] = [];
  for (const node of nodes) {
    let failure: FilterFailure | undefined;
    for (const plugin of profile.filters) {
      failure = plugin.filter(state, node);
      if (failure !== undefined) break;
    }
    if (failure === undefined) feasible.push(node);
    else failures.set(node.name, failure);
  }
  if (feasible.length === 0) {
    return { kind: "unschedulable", message: fitErrorMessage(pod, nodes, failures), failures };
  }
  if (feasible.length === 1) {
    return { kind: "fit", node: (feasible[0] as NodeInfo).name, feasible: 1, evaluated: nodes.length };
  }
  const totals = prioritizeNodes(profile, state, feasible);
  return {
    kind: "fit",
    node: selectHost(totals, options.random ?? Math.random),
    feasible: feasible.length,
    evaluated: nodes.length,
  };
}

/** Weighted sum of the normalized scores of every score plugin, per feasible node. */
export function prioritizeNodes(
  profile: Profile,
  state: CycleState,
  feasible: readonly NodeInfo[],
): NodeScore[] {
  const totals: NodeScore[] = feasible.map((node) => ({ node, score: 0 }));
  for (const plugin of profile.scores) {
    if (plugin.preScore !== undefined && !plugin.preScore(state, feasible)) continue;
    const scores: NodeScore[] = feasible.map((node) => ({ node, score: plugin.score(state, node) }));
    plugin.normalize?.(state, scores);
    for (const [i, s] of scores.entries()) {
      const score = Math.max(0, Math.min(MAX_NODE_SCORE, s.score));
      (totals[i] as NodeScore).score += score * plugin.weight;
    }
  }
  return totals;
}

/** The highest total; ties broken uniformly at random (reservoir sampling, as selectHost). */
export function selectHost(totals: readonly NodeScore[], random: () => number): string {
  let best: NodeScore | undefined;
  let ties = 0;
  for (const t of totals) {
    if (best === undefined || t.score > best.score) {
      best = t;
      ties = 1;
    } else if (t.score === best.score) {
      ties++;
      if (random() * ties < 1) best = t;
    }
  }
  return best?.node.name ?? "";
}
