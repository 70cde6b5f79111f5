import type { INode, IPod, IPodSpec } from "kubernetes-models/v1";
import { describe, expect, it } from "vitest";
import { SchedulerCache } from "./cache.js";
import { EMPTY_CLUSTER_VIEW } from "./cluster-view.js";
import { podInfo } from "./pod-info.js";
import { defaultProfile } from "./plugins/index.js";
import { schedulePod } from "./schedule-one.js";

function node(
  name: string,
  extra: { cpu?: string; taints?: INode["spec"]; labels?: Record<string, string> } = {},
): INode {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, labels: { "kubernetes.io/hostname": name, ...extra.labels } },
    spec: { ...extra.taints },
    status: { allocatable: { cpu: extra.cpu ?? "1", memory: "4Gi", pods: "110" } },
  };
}

let serial = 0;
function pod(spec: Partial<IPodSpec> = {}, cpu?: string, labels: Record<string, string> = {}): IPod {
  const name = `p${++serial}`;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", uid: name, labels },
    spec: {
      containers: [{ name: "c", image: "busybox", ...(cpu ? { resources: { requests: { cpu } } } : {}) }],
      ...spec,
    },
  };
}

function cluster(...nodes: INode[]): SchedulerCache {
  const cache = new SchedulerCache();
  for (const n of nodes) cache.setNode(n);
  return cache;
}

const profile = defaultProfile(EMPTY_CLUSTER_VIEW);
const first = () => 0;

function place(cache: SchedulerCache, p: IPod) {
  const result = schedulePod(profile, podInfo(p), cache.nodeInfos(), { random: first });
  if (result.kind === "fit") cache.assume(p, result.node);
  return result;
}

describe("schedulePod", () => {
  it("writes upstream's FitError with preemption's verdict per node", () => {
    const cache = cluster(
      node("a", { cpu: "500m" }),
      node("b", { cpu: "500m" }),
      node("c", { taints: { taints: [{ key: "dedicated", value: "gpu", effect: "NoSchedule" }] } }),
    );
    const result = place(cache, pod({}, "2"));
    expect(result).toMatchObject({
      kind: "unschedulable",
      message:
        "0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 2 Insufficient cpu. " +
        "preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, " +
        "2 No preemption victims found for incoming pod..",
    });
  });

  it("says so when there are no nodes", () => {
    expect(place(cluster(), pod())).toMatchObject({ message: "no nodes available to schedule pods" });
  });

  it("counts assumed pods so that a burst never over-commits", () => {
    const cache = cluster(node("a", { cpu: "500m" }), node("b", { cpu: "500m" }));
    const results = Array.from({ length: 12 }, () => place(cache, pod({}, "100m")));
    expect(results.filter((r) => r.kind === "fit")).toHaveLength(10);
    for (const info of cache.nodeInfos()) expect(info.requested["cpu"]).toBe(500);
  });

  it("prefers the least allocated node (LeastAllocated with non-zero defaults)", () => {
    const cache = cluster(node("a"), node("b"));
    place(cache, pod({ nodeName: undefined, nodeSelector: { "kubernetes.io/hostname": "a" } }, "300m"));
    expect(place(cache, pod({}, "100m"))).toMatchObject({ kind: "fit", node: "b" });
    // a pod without requests still counts 100m for scoring, so pods without requests spread too
    const spread = cluster(node("x"), node("y"), node("z"));
    const nodes = Array.from({ length: 3 }, () => place(spread, pod())).map((r) =>
      r.kind === "fit" ? r.node : "",
    );
    expect(new Set(nodes)).toEqual(new Set(["x", "y", "z"]));
  });

  it("respects required node affinity and preferred node affinity weights", () => {
    const cache = cluster(node("a", { labels: { zone: "z1" } }), node("b", { labels: { zone: "z2" } }));
    const term = (zone: string) => ({
      matchExpressions: [{ key: "zone", operator: "In" as const, values: [zone] }],
    });
    expect(
      place(
        cache,
        pod({
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [term("z2")] },
            },
          },
        }),
      ),
    ).toMatchObject({ node: "b" });
    expect(
      place(
        cache,
        pod({
          affinity: {
            nodeAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, preference: term("z2") }],
            },
          },
        }),
      ),
    ).toMatchObject({ node: "b" });
  });

  it("keeps host ports apart and tolerates a cordon only with the toleration", () => {
    const cache = cluster(node("a"));
    const withPort = () =>
      pod({ containers: [{ name: "c", image: "x", ports: [{ containerPort: 80, hostPort: 8080 }] }] });
    expect(place(cache, withPort())).toMatchObject({ kind: "fit" });
    expect(place(cache, withPort())).toMatchObject({
      message: expect.stringContaining("1 node(s) didn't have free ports for the requested pod ports."),
    });
    const cordoned = cluster({ ...node("b"), spec: { unschedulable: true } });
    expect(place(cordoned, pod())).toMatchObject({
      message: expect.stringContaining("1 node(s) were unschedulable."),
    });
    expect(
      place(
        cordoned,
        pod({
          tolerations: [
            { key: "node.kubernetes.io/unschedulable", operator: "Exists", effect: "NoSchedule" },
          ],
        }),
      ),
    ).toMatchObject({ kind: "fit" });
  });

  it("enforces a DoNotSchedule spread constraint and required pod anti-affinity", () => {
    const cache = cluster(node("a"), node("b"));
    const spread = {
      topologySpreadConstraints: [
        {
          maxSkew: 1,
          topologyKey: "kubernetes.io/hostname",
          whenUnsatisfiable: "DoNotSchedule" as const,
          labelSelector: { matchLabels: { app: "s" } },
          // node b counts as a domain although the pod's nodeSelector excludes it
          nodeAffinityPolicy: "Ignore" as const,
        },
      ],
      nodeSelector: { "kubernetes.io/hostname": "a" },
    };
    expect(place(cache, pod(spread, undefined, { app: "s" }))).toMatchObject({ node: "a" });
    expect(place(cache, pod(spread, undefined, { app: "s" }))).toMatchObject({
      message: expect.stringContaining("1 node(s) didn't match pod topology spread constraints"),
    });
    const anti = {
      affinity: {
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [
            { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { app: "s" } } },
          ],
        },
      },
    };
    expect(place(cache, pod(anti, undefined, { app: "t" }))).toMatchObject({ node: "b" });
  });

  it("sums a pod's requests as upstream: sidecars add up, init containers peak, overhead on top", () => {
    const p = pod({
      initContainers: [
        { name: "side", image: "x", restartPolicy: "Always", resources: { requests: { cpu: "100m" } } },
        { name: "init", image: "x", resources: { requests: { cpu: "1" } } },
      ],
      containers: [{ name: "c", image: "x", resources: { requests: { cpu: "200m" } } }],
      overhead: { cpu: "50m" },
    });
    // max(app 200m + sidecar 100m, init 1000m + sidecar 100m) + overhead 50m
    expect(podInfo(p).requests["cpu"]).toBe(1150);
  });
});
