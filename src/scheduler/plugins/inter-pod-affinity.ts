/**
 * InterPodAffinity: Filter enforces the pod's required affinity and anti-affinity terms against
 * the pods already counted, and the required anti-affinity terms of those pods against it; Score
 * adds the weights of preferred terms (both ways) and of existing pods' required affinity terms
 * (hardPodAffinityWeight) per topology domain, scaled to 0..100 between the lowest and highest.
 */
import type { IPodAffinityTerm } from "kubernetes-models/v1";
import type { ClusterView } from "../cluster-view.js";
import { fail, MAX_NODE_SCORE, type CycleState, type FilterPlugin, type ScorePlugin } from "../framework.js";
import type { NodeInfo } from "../node-info.js";
import type { PodInfo } from "../pod-info.js";
import { matchesLabelSelector } from "../selectors.js";

const NAME = "InterPodAffinity";
const PRE_FILTER = "InterPodAffinity/preFilter";
const PRE_SCORE = "InterPodAffinity/preScore";
// interpodaffinity: ErrReason*
export const ERR_REASON_AFFINITY = "node(s) didn't match pod affinity rules";
export const ERR_REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";
export const ERR_REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules";
/** InterPodAffinityArgs.HardPodAffinityWeight default. */
export const HARD_POD_AFFINITY_WEIGHT = 1;

type Counts = Map<string, number>;
const pair = (key: string, value: string): string => `${key}\u0000${value}`;

/** Whether `term`, written in a pod of `ownerNamespace`, selects `target`. */
function termMatches(
  view: ClusterView,
  term: IPodAffinityTerm,
  ownerNamespace: string,
  target: PodInfo,
): boolean {
  const namespaces = term.namespaces ?? [];
  let inNamespace: boolean;
  if (namespaces.length === 0 && (term.namespaceSelector === undefined || term.namespaceSelector === null)) {
    inNamespace = target.namespace === ownerNamespace;
  } else {
    inNamespace =
      namespaces.includes(target.namespace) ||
      (term.namespaceSelector != null &&
        matchesLabelSelector(term.namespaceSelector, view.namespaceLabels(target.namespace) ?? {}));
  }
  return inNamespace && matchesLabelSelector(term.labelSelector ?? null, target.labels);
}

function bump(counts: Counts, node: NodeInfo, key: string, by: number): void {
  const value = node.labels[key];
  if (value === undefined) return;
  const p = pair(key, value);
  counts.set(p, (counts.get(p) ?? 0) + by);
}

interface FilterState {
  readonly affinity: Counts;
  readonly antiAffinity: Counts;
  readonly existingAntiAffinity: Counts;
}

export function interPodAffinityFilter(view: ClusterView): FilterPlugin {
  return {
    name: NAME,
    preFilter(state) {
      const pod = state.pod;
      const s: FilterState = {
        affinity: new Map(),
        antiAffinity: new Map(),
        existingAntiAffinity: new Map(),
      };
      for (const node of state.allNodes) {
        for (const existing of node.pods.values()) {
          for (const term of existing.requiredAntiAffinity) {
            if (termMatches(view, term, existing.namespace, pod))
              bump(s.existingAntiAffinity, node, term.topologyKey, 1);
          }
          for (const term of pod.requiredAffinity) {
            if (termMatches(view, term, pod.namespace, existing)) bump(s.affinity, node, term.topologyKey, 1);
          }
          for (const term of pod.requiredAntiAffinity) {
            if (termMatches(view, term, pod.namespace, existing))
              bump(s.antiAffinity, node, term.topologyKey, 1);
          }
        }
      }
      state.write(PRE_FILTER, s);
      return undefined;
    },
    filter(state, node) {
      const s = state.read<FilterState>(PRE_FILTER);
      if (s === undefined) return undefined;
      const pod = state.pod;
      // satisfyPodAffinity
      let podsExist = true;
      for (const term of pod.requiredAffinity) {
        const value = node.labels[term.topologyKey];
        if (value === undefined) return fail(NAME, "UnschedulableAndUnresolvable", ERR_REASON_AFFINITY);
        if (!((s.affinity.get(pair(term.topologyKey, value)) ?? 0) > 0)) podsExist = false;
      }
      if (!podsExist) {
        // The first pod of a group with affinity to itself may go anywhere the topology exists.
        const selfMatch = pod.requiredAffinity.every((t) => termMatches(view, t, pod.namespace, pod));
        if (!(s.affinity.size === 0 && selfMatch)) {
          return fail(NAME, "UnschedulableAndUnresolvable", ERR_REASON_AFFINITY);
        }
      }
      // satisfyPodAntiAffinity
      for (const term of pod.requiredAntiAffinity) {
        const value = node.labels[term.topologyKey];
        if (value !== undefined && (s.antiAffinity.get(pair(term.topologyKey, value)) ?? 0) > 0) {
          return fail(NAME, "Unschedulable", ERR_REASON_ANTI_AFFINITY);
        }
      }
      // satisfyExistingPodsAntiAffinity
      if (s.existingAntiAffinity.size > 0) {
        for (const [key, value] of Object.entries(node.labels)) {
          if ((s.existingAntiAffinity.get(pair(key, value)) ?? 0) > 0) {
            return fail(NAME, "Unschedulable", ERR_REASON_EXISTING_ANTI_AFFINITY);
          }
        }
      }
      return undefined;
    },
  };
}

function collectScores(view: ClusterView, state: CycleState): Counts {
  const pod = state.pod;
  const scores: Counts = new Map();
  for (const node of state.allNodes) {
    for (const existing of node.pods.values()) {
      for (const t of pod.preferredAffinity) {
        if (termMatches(view, t.podAffinityTerm, pod.namespace, existing))
          bump(scores, node, t.podAffinityTerm.topologyKey, t.weight);
      }
      for (const t of pod.preferredAntiAffinity) {
        if (termMatches(view, t.podAffinityTerm, pod.namespace, existing))
          bump(scores, node, t.podAffinityTerm.topologyKey, -t.weight);
      }
      for (const t of existing.requiredAffinity) {
        if (termMatches(view, t, existing.namespace, pod))
          bump(scores, node, t.topologyKey, HARD_POD_AFFINITY_WEIGHT);
      }
      for (const t of existing.preferredAffinity) {
        if (termMatches(view, t.podAffinityTerm, existing.namespace, pod))
          bump(scores, node, t.podAffinityTerm.topologyKey, t.weight);
      }
      for (const t of existing.preferredAntiAffinity) {
        if (termMatches(view, t.podAffinityTerm, existing.namespace, pod))
          bump(scores, node, t.podAffinityTerm.topologyKey, -t.weight);
      }
    }
  }
  return scores;
}

export function interPodAffinityScore(view: ClusterView, weight: number): ScorePlugin {
  return {
    name: NAME,
    weight,
    preScore(state) {
      const pod = state.pod;
      const hasConstraints = pod.preferredAffinity.length + pod.preferredAntiAffinity.length > 0;
      if (!hasConstraints && !state.allNodes.some((n) => n.podsWithAffinity > 0)) return false;
      state.write(PRE_SCORE, collectScores(view, state));
      return true;
    },
    score(state, node) {
      const scores = state.read<Counts>(PRE_SCORE);
      if (scores === undefined) return 0;
      let total = 0;
      for (const [p, v] of scores) {
        const [key, value] = p.split("\u0000") as [string, string];
        if (node.labels[key] === value) total += v;
      }
      return total;
    },
    normalize(_state, scores) {
      let min = Number.POSITIVE_INFINITY;
      let max = Number.NEGATIVE_INFINITY;
      for (const s of scores) {
        min = Math.min(min, s.score);
        max = Math.max(max, s.score);
      }
      const diff = max - min;
      for (const s of scores) s.score = diff > 0 ? Math.trunc(MAX_NODE_SCORE * ((s.score - min) / diff)) : 0;
    },
  };
}
