/**
 * PodTopologySpread: Filter enforces the DoNotSchedule constraints (the skew of matching pods
 * between the node's domain and the emptiest domain may not exceed maxSkew); Score favours the
 * domains with fewer matching pods for the ScheduleAnyway constraints, or for the system default
 * constraints (hostname maxSkew 3, zone maxSkew 5) of a pod owned by a workload or selected by a
 * Service that has none of its own.
 */
import type { ILabelSelector } from "@kubernetes-models/apimachinery/apis/meta/v1/LabelSelector";
import type { IPod, ITopologySpreadConstraint } from "kubernetes-models/v1";
import type { ClusterView } from "../cluster-view.js";
import { fail, MAX_NODE_SCORE, type CycleState, type FilterPlugin, type ScorePlugin } from "../framework.js";
import type { NodeInfo } from "../node-info.js";
import { matchesLabelSelector, toleratedBy } from "../selectors.js";
import { podMatchesNodeAffinity } from "./node-affinity.js";

const NAME = "PodTopologySpread";
const PRE_FILTER = "PodTopologySpread/preFilter";
const PRE_SCORE = "PodTopologySpread/preScore";
// podtopologyspread: ErrReasonConstraintsNotMatch, ErrReasonNodeLabelNotMatch
export const ERR_REASON_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints";
export const ERR_REASON_NODE_LABEL_NOT_MATCH = `${ERR_REASON_CONSTRAINTS_NOT_MATCH} (missing required label)`;
export const LABEL_HOSTNAME = "kubernetes.io/hostname";
export const LABEL_ZONE = "topology.kubernetes.io/zone";

/** podtopologyspread: systemDefaultConstraints. */
export const SYSTEM_DEFAULT_CONSTRAINTS: readonly { topologyKey: string; maxSkew: number }[] = [
  { topologyKey: LABEL_HOSTNAME, maxSkew: 3 },
  { topologyKey: LABEL_ZONE, maxSkew: 5 },
];

interface Constraint {
  readonly topologyKey: string;
  readonly maxSkew: number;
  readonly minDomains: number;
  readonly selector: ILabelSelector;
  readonly honorAffinity: boolean;
  readonly honorTaints: boolean;
}

function constraintsOf(pod: IPod, when: ITopologySpreadConstraint["whenUnsatisfiable"]): Constraint[] {
  const labels = pod.metadata?.labels ?? {};
  return (pod.spec?.topologySpreadConstraints ?? [])
    .filter((c) => c.whenUnsatisfiable === when)
    .map((c) => {
      const selector: ILabelSelector = {
        matchLabels: { ...(c.labelSelector?.matchLabels ?? {}) },
        matchExpressions: [...(c.labelSelector?.matchExpressions ?? [])],
      };
      // matchLabelKeys: the pod's own values of those keys join the selector
      for (const key of c.matchLabelKeys ?? []) {
        const value = labels[key];
        if (value !== undefined) selector.matchExpressions?.push({ key, operator: "In", values: [value] });
      }
      return {
        topologyKey: c.topologyKey,
        maxSkew: c.maxSkew,
        minDomains: c.minDomains ?? 1,
        selector: c.labelSelector === undefined ? (null as unknown as ILabelSelector) : selector,
        honorAffinity: (c.nodeAffinityPolicy ?? "Honor") === "Honor",
        honorTaints: c.nodeTaintsPolicy === "Honor",
      };
    });
}

/** Whether the node counts for the constraint's domains (nodeAffinityPolicy, nodeTaintsPolicy). */
function nodeIncluded(pod: IPod, c: Constraint, node: NodeInfo): boolean {
  if (node.node === undefined) return false;
  if (c.honorAffinity && !podMatchesNodeAffinity(pod, node.node)) return false;
  if (c.honorTaints) {
    const tolerations = pod.spec?.tolerations ?? [];
    for (const taint of node.taints) {
      if (taint.effect !== "NoSchedule" && taint.effect !== "NoExecute") continue;
      if (!toleratedBy(tolerations, taint)) return false;
    }
  }
  return true;
}

/** Matching pods on the node: same namespace, selected, not terminating (countPodsMatchSelector). */
function countMatching(node: NodeInfo, selector: ILabelSelector, namespace: string): number {
  let n = 0;
  for (const p of node.pods.values()) {
    if (p.namespace !== namespace || p.pod.metadata?.deletionTimestamp) continue;
    if (matchesLabelSelector(selector, p.labels)) n++;
  }
  return n;
}

const pair = (key: string, value: string): string => `${key}\u0000${value}`;

interface FilterState {
  readonly constraints: Constraint[];
  readonly counts: Map<string, number>;
  /** Per constraint index: how many domains and the smallest count among them. */
  readonly domains: { size: number; min: number }[];
}

export const podTopologySpreadFilter: FilterPlugin = {
  name: NAME,
  preFilter(state) {
    const pod = state.pod.pod;
    const constraints = constraintsOf(pod, "DoNotSchedule");
    if (constraints.length === 0) return undefined;
    const counts = new Map<string, number>();
    for (const node of state.allNodes) {
      if (!constraints.every((c) => node.labels[c.topologyKey] !== undefined)) continue;
      for (const c of constraints) {
        if (!nodeIncluded(pod, c, node)) continue;
        const p = pair(c.topologyKey, node.labels[c.topologyKey] ?? "");
        counts.set(p, (counts.get(p) ?? 0) + countMatching(node, c.selector, state.pod.namespace));
      }
    }
    const domains = constraints.map((c) => {
      let size = 0;
      let min = Number.POSITIVE_INFINITY;
      const prefix = `${c.topologyKey}\u0000`;
      for (const [p, n] of counts) {
        if (!p.startsWith(prefix)) continue;
        size++;
        min = Math.min(min, n);
      }
      return { size, min: size === 0 ? 0 : min };
    });
    state.write(PRE_FILTER, { constraints, counts, domains } satisfies FilterState);
    return undefined;
  },
  filter(state, node) {
    const s = state.read<FilterState>(PRE_FILTER);
    if (s === undefined) return undefined;
    for (const [i, c] of s.constraints.entries()) {
      const value = node.labels[c.topologyKey];
      if (value === undefined)
        return fail(NAME, "UnschedulableAndUnresolvable", ERR_REASON_NODE_LABEL_NOT_MATCH);
      const domain = s.domains[i] ?? { size: 0, min: 0 };
      const minMatch = domain.size < c.minDomains ? 0 : domain.min;
      const selfMatch = matchesLabelSelector(c.selector, state.pod.labels) ? 1 : 0;
      const skew = (s.counts.get(pair(c.topologyKey, value)) ?? 0) + selfMatch - minMatch;
      if (skew > c.maxSkew) return fail(NAME, "Unschedulable", ERR_REASON_CONSTRAINTS_NOT_MATCH);
    }
    return undefined;
  },
};

interface ScoreState {
  readonly constraints: Constraint[];
  readonly ignored: Set<string>;
  readonly counts: Map<string, number>;
  readonly weights: number[];
}

function softConstraints(
  view: ClusterView,
  pod: IPod,
): { constraints: Constraint[]; systemDefaulted: boolean } {
  if ((pod.spec?.topologySpreadConstraints ?? []).length > 0) {
    return { constraints: constraintsOf(pod, "ScheduleAnyway"), systemDefaulted: false };
  }
  const selector = view.defaultSelector(pod);
  if (selector === undefined) return { constraints: [], systemDefaulted: true };
  return {
    constraints: SYSTEM_DEFAULT_CONSTRAINTS.map((c) => ({
      ...c,
      minDomains: 1,
      selector,
      honorAffinity: true,
      honorTaints: false,
    })),
    systemDefaulted: true,
  };
}

export function podTopologySpreadScore(view: ClusterView, weight: number): ScorePlugin {
  return {
    name: NAME,
    weight,
    preScore(state: CycleState, filtered) {
      const pod = state.pod.pod;
      const { constraints, systemDefaulted } = softConstraints(view, pod);
      if (constraints.length === 0) return false;
      const requireAll = !systemDefaulted;
      const ignored = new Set<string>();
      const counts = new Map<string, number>();
      const sizes = constraints.map(() => new Set<string>());
      for (const node of filtered) {
        if (requireAll && !constraints.every((c) => node.labels[c.topologyKey] !== undefined)) {
          ignored.add(node.name);
          continue;
        }
        for (const [i, c] of constraints.entries()) {
          const value = node.labels[c.topologyKey];
          if (value === undefined) continue;
          sizes[i]?.add(value);
          if (c.topologyKey !== LABEL_HOSTNAME) counts.set(pair(c.topologyKey, value), 0);
        }
      }
      for (const node of state.allNodes) {
        for (const c of constraints) {
          if (c.topologyKey === LABEL_HOSTNAME || !nodeIncluded(pod, c, node)) continue;
          const value = node.labels[c.topologyKey];
          if (value === undefined) continue;
          const p = pair(c.topologyKey, value);
          if (!counts.has(p)) continue;
          counts.set(p, (counts.get(p) ?? 0) + countMatching(node, c.selector, state.pod.namespace));
        }
      }
      const weights = constraints.map((c, i) =>
        // topologyNormalizingWeight: log(size + 2)
        Math.log(
          (c.topologyKey === LABEL_HOSTNAME ? filtered.length - ignored.size : (sizes[i]?.size ?? 0)) + 2,
        ),
      );
      state.write(PRE_SCORE, { constraints, ignored, counts, weights } satisfies ScoreState);
      return true;
    },
    score(state, node) {
      const s = state.read<ScoreState>(PRE_SCORE);
      if (s === undefined || s.ignored.has(node.name)) return 0;
      let score = 0;
      for (const [i, c] of s.constraints.entries()) {
        const value = node.labels[c.topologyKey];
        if (value === undefined) continue;
        const count =
          c.topologyKey === LABEL_HOSTNAME
            ? countMatching(node, c.selector, state.pod.namespace)
            : (s.counts.get(pair(c.topologyKey, value)) ?? 0);
        // scoreForCount
        score += count * (s.weights[i] ?? 0) + (c.maxSkew - 1);
      }
      return Math.round(score);
    },
    normalize(state, scores) {
      const s = state.read<ScoreState>(PRE_SCORE);
      if (s === undefined) return;
      let min = Number.POSITIVE_INFINITY;
      let max = 0;
      for (const x of scores) {
        if (s.ignored.has(x.node.name)) continue;
        min = Math.min(min, x.score);
        max = Math.max(max, x.score);
      }
      for (const x of scores) {
        if (s.ignored.has(x.node.name)) x.score = 0;
        else if (max === 0) x.score = MAX_NODE_SCORE;
        else x.score = Math.trunc((MAX_NODE_SCORE * (max + min - x.score)) / max);
      }
    },
  };
}
