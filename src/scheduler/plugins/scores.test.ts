/**
 * Each score plugin of the default profile alone, its normalized scores per node checked against
 * the numbers upstream's formulas give; the default weights; the NodeName filter.
 */
import type { INode, IPod, IPodSpec } from "kubernetes-models/v1";
import { describe, expect, it } from "vitest";
import { SchedulerCache } from "../cache.js";
import { EMPTY_CLUSTER_VIEW, type ClusterView } from "../cluster-view.js";
import { CycleState, type ScorePlugin } from "../framework.js";
import { podInfo } from "../pod-info.js";
import { prioritizeNodes, schedulePod } from "../schedule-one.js";
import { DEFAULT_SCORE_WEIGHTS, defaultProfile } from "./index.js";

function node(name: string, extra: Partial<INode["spec"]> = {}, more: Partial<INode> = {}): INode {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, labels: { "kubernetes.io/hostname": name, ...more.metadata?.labels } },
    spec: { ...extra },
    status: { allocatable: { cpu: "1", memory: "4Gi", pods: "110" }, ...more.status },
  };
}

let serial = 0;
function pod(spec: Partial<IPodSpec> = {}, labels: Record<string, string> = {}, nodeName?: string): IPod {
  const name = `s${++serial}`;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", uid: name, labels },
    spec: { containers: [{ name: "c", image: "busybox" }], ...(nodeName ? { nodeName } : {}), ...spec },
  };
}

/** The normalized score of one plugin per node name, for pod on the cluster's nodes. */
function scoresOf(plugin: ScorePlugin, cache: SchedulerCache, p: IPod): Record<string, number> {
  const nodes = cache.nodeInfos();
  const totals = prioritizeNodes(
    { schedulerName: "default-scheduler", filters: [], scores: [{ ...plugin, weight: 1 }] },
    new CycleState(podInfo(p), nodes),
    nodes,
  );
  return Object.fromEntries(totals.map((t) => [t.node.name, t.score]));
}

function cluster(nodes: INode[], pods: IPod[] = []): SchedulerCache {
  const cache = new SchedulerCache();
  for (const n of nodes) cache.setNode(n);
  for (const p of pods) cache.assume(p, p.spec?.nodeName ?? "");
  return cache;
}

function plugin(name: string, view: ClusterView = EMPTY_CLUSTER_VIEW): ScorePlugin {
  const found = defaultProfile(view).scores.find((s) => s.name === name);
  if (found === undefined) throw new Error(`no score plugin ${name}`);
  return found;
}

describe("the default profile's score plugins", () => {
  it("has kube-scheduler's default weights", () => {
    expect(
      Object.fromEntries(defaultProfile(EMPTY_CLUSTER_VIEW).scores.map((s) => [s.name, s.weight])),
    ).toEqual(DEFAULT_SCORE_WEIGHTS);
    expect(DEFAULT_SCORE_WEIGHTS).toEqual({
      TaintToleration: 3,
      NodeAffinity: 2,
      PodTopologySpread: 2,
      InterPodAffinity: 2,
      NodeResourcesFit: 1,
      NodeResourcesBalancedAllocation: 1,
      ImageLocality: 1,
    });
  });

  it("TaintToleration: fewer untolerated PreferNoSchedule taints score higher", () => {
    const prefer = (key: string) => ({ key, value: "x", effect: "PreferNoSchedule" as const });
    const cache = cluster([
      node("a", { taints: [prefer("one"), prefer("two")] }),
      node("b", { taints: [prefer("one")] }),
      node("c"),
    ]);
    expect(scoresOf(plugin("TaintToleration"), cache, pod())).toEqual({ a: 0, b: 50, c: 100 });
    const tolerant = pod({ tolerations: [{ key: "two", operator: "Exists" }] });
    expect(scoresOf(plugin("TaintToleration"), cache, tolerant)).toEqual({ a: 0, b: 0, c: 100 });
  });

  it("NodeAffinity: preferred terms add their weights", () => {
    const zoned = (name: string, zone: string) => node(name, {}, { metadata: { labels: { zone } } });
    const cache = cluster([zoned("a", "z1"), zoned("b", "z2"), zoned("c", "z3")]);
    const term = (zone: string) => ({
      matchExpressions: [{ key: "zone", operator: "In" as const, values: [zone] }],
    });
    const p = pod({
      affinity: {
        nodeAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 80, preference: term("z1") },
            { weight: 20, preference: term("z2") },
          ],
        },
      },
    });
    expect(scoresOf(plugin("NodeAffinity"), cache, p)).toEqual({ a: 100, b: 25, c: 0 });
  });

  it("InterPodAffinity: preferred affinity and anti-affinity to pods already on a node", () => {
    const db = pod({}, { app: "db" }, "a");
    const cache = cluster([node("a"), node("b")], [db]);
    const term = {
      weight: 50,
      podAffinityTerm: {
        topologyKey: "kubernetes.io/hostname",
        labelSelector: { matchLabels: { app: "db" } },
      },
    };
    const near = pod({
      affinity: { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [term] } },
    });
    const far = pod({
      affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [term] } },
    });
    expect(scoresOf(plugin("InterPodAffinity"), cache, near)).toEqual({ a: 100, b: 0 });
    expect(scoresOf(plugin("InterPodAffinity"), cache, far)).toEqual({ a: 0, b: 100 });
  });

  it("PodTopologySpread: a ScheduleAnyway constraint, and the default spread of a controlled pod", () => {
    const s = (n: string) => pod({}, { app: "s" }, n);
    const cache = cluster([node("a"), node("b"), node("c")], [s("a"), s("a"), s("c")]);
    const anyway = pod(
      {
        topologySpreadConstraints: [
          {
            maxSkew: 1,
            topologyKey: "kubernetes.io/hostname",
            whenUnsatisfiable: "ScheduleAnyway",
            labelSelector: { matchLabels: { app: "s" } },
          },
        ],
      },
      { app: "s" },
    );
    const spread = scoresOf(plugin("PodTopologySpread"), cache, anyway);
    expect(spread["b"]).toBe(100);
    expect(spread["a"]).toBeLessThan(spread["c"] as number);
    // no constraint and no workload: the plugin does not score
    expect(scoresOf(plugin("PodTopologySpread"), cache, pod({}, { app: "s" }))).toEqual({ a: 0, b: 0, c: 0 });
    // a pod a ReplicaSet controls gets the system default constraints (hostname maxSkew 3)
    const view: ClusterView = {
      ...EMPTY_CLUSTER_VIEW,
      defaultSelector: () => ({ matchLabels: { app: "s" } }),
    };
    const controlled = scoresOf(plugin("PodTopologySpread", view), cache, pod({}, { app: "s" }));
    expect(controlled["b"]).toBe(100);
    expect(controlled["a"]).toBeLessThan(controlled["c"] as number);
  });

  it("ImageLocality: a node holding the image scores by its size and how many nodes hold it", () => {
    const images = { images: [{ names: ["busybox:latest"], sizeBytes: 500 * 1024 * 1024 }] };
    const cache = cluster([
      node("a", {}, { status: { allocatable: { cpu: "1", memory: "4Gi" }, ...images } }),
      node("b"),
    ]);
    // 500 MiB x 1/2 of the nodes = 250 MiB, mapped from 23..1000 MiB onto 0..100
    expect(scoresOf(plugin("ImageLocality"), cache, pod())).toEqual({ a: 23, b: 0 });
  });

  it("NodeResourcesBalancedAllocation: cpu and memory in equal shares score higher", () => {
    const memoryOnly = pod(
      { containers: [{ name: "c", image: "x", resources: { requests: { memory: "1Gi" } } }] },
      {},
      "b",
    );
    const cache = cluster([node("a"), node("b")], [memoryOnly]);
    const p = pod({
      containers: [{ name: "c", image: "x", resources: { requests: { cpu: "500m", memory: "1Gi" } } }],
    });
    // a: cpu 0.5, memory 0.25 -> 1 - 0.125; b: cpu 0.5, memory 0.5 -> 1
    expect(scoresOf(plugin("NodeResourcesBalancedAllocation"), cache, p)).toEqual({ a: 87, b: 100 });
  });
});

describe("NodeName", () => {
  it("fits only the named node", () => {
    const cache = cluster([node("a"), node("b")]);
    const profile = defaultProfile(EMPTY_CLUSTER_VIEW);
    expect(schedulePod(profile, podInfo(pod({ nodeName: "b" })), cache.nodeInfos())).toMatchObject({
      node: "b",
    });
    expect(schedulePod(profile, podInfo(pod({ nodeName: "z" })), cache.nodeInfos())).toMatchObject({
      message:
        "0/2 nodes are available: 2 node(s) didn't match the requested node name. preemption: 0/2 nodes are " +
        "available: 2 Preemption is not helpful for scheduling..",
    });
  });
});
