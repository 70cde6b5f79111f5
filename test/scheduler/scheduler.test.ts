/**
 * `berth scheduler` end to end: the real API server, scheduler, controller manager and three agents sharing one
 * runtime (each node with 500m of allocatable cpu), then a fourth, bigger node joining; pods made
 * through the API and kubectl, placements and messages read back through the API and kubectl.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { IPod, IPodSpec } from "kubernetes-models/v1";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Reflector, resourcePath, type KubeObject } from "../../src/api/index.js";
import { pod, shell, FOREVER } from "../agent/pods.js";
import { RUNTIMES } from "../support/cluster.js";
import { requireEnv } from "../support/env.js";
import { MultiNodeCluster } from "../support/multi-node-cluster.js";

/** Each small node: the machine's cpu less what is reserved, so that 500m stays allocatable. */
const SMALL_NODE = { systemReserved: { cpu: "1500m" } };
/**
 * Placement goes by the hostname label the agent registers: the agent admits pods against the
 * labels of its last Node status write, so labels added with kubectl reach it only later.
 */
const HOSTNAME = "kubernetes.io/hostname";

function scheduledCondition(p: IPod) {
  return p.status?.conditions?.find((c) => c.type === "PodScheduled");
}

const bound = (p: IPod): boolean => Boolean(p.spec?.nodeName);
const unschedulable = (p: IPod): boolean =>
  scheduledCondition(p)?.status === "False" && scheduledCondition(p)?.reason === "Unschedulable";

function sleeper(name: string, spec: Partial<IPodSpec> = {}, labels: Record<string, string> = {}): IPod {
  const p = pod(name, { containers: [shell("main", FOREVER)], ...spec });
  return { ...p, metadata: { ...p.metadata, name, labels: { ...p.metadata?.labels, ...labels } } };
}

describe.each(RUNTIMES)("berth scheduler on %s", (runtime) => {
  let c: MultiNodeCluster;
  let bigNode: Promise<unknown> | undefined;
  const node = (n: string) => c.nodeName(n);

  beforeAll(async () => {
    requireEnv("TEST_IMAGE");
    c = await MultiNodeCluster.start(runtime, [
      { name: "a", agentConfig: SMALL_NODE },
      { name: "b", agentConfig: SMALL_NODE },
      { name: "c", agentConfig: SMALL_NODE },
    ]);
  }, 180_000);
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === "fail" && c !== undefined) process.stderr.write(await c.tails());
  });
  afterAll(async () => {
    await c?.stop();
  }, 180_000);

  describe("on three nodes as they are", { concurrent: true }, () => {
    it("spreads pods with a hostname spread constraint one per node", async () => {
      const constraint = {
        maxSkew: 1,
        topologyKey: "kubernetes.io/hostname",
        whenUnsatisfiable: "DoNotSchedule" as const,
        labelSelector: { matchLabels: { app: "spread" } },
      };
      const names = ["spread-0", "spread-1", "spread-2"];
      await Promise.all(
        names.map((n) =>
          c.createPod(sleeper(n, { topologySpreadConstraints: [constraint] }, { app: "spread" })),
        ),
      );
      await Promise.all(names.map((n) => c.waitForPod(n, bound, "bound")));
      const nodes = (
        await c.kubectl("get", "pods", "-l", "app=spread", "-o", "jsonpath={.items[*].spec.nodeName}")
      )
        .trim()
        .split(/\s+/);
      expect(new Set(nodes)).toEqual(new Set([node("a"), node("b"), node("c")]));
      // the scheduler that placed them holds kube-scheduler's lease
      const holder = await c.kubectl(
        "get",
        "lease",
        "-n",
        "kube-system",
        "kube-scheduler",
        "-o",
        "jsonpath={.spec.holderIdentity} {.spec.leaseDurationSeconds}",
      );
      expect(holder).toMatch(/^\S+_[0-9a-f-]{36} 15$/);
    });

    it("spreads a Deployment's pods, made by the controller manager's ReplicaSet, one per node", async () => {
      const deployment = {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "web", namespace: "default" },
        spec: {
          replicas: 3,
          selector: { matchLabels: { app: "web" } },
          template: {
            metadata: { labels: { app: "web" } },
            spec: {
              ...sleeper("web").spec,
              topologySpreadConstraints: [
                {
                  maxSkew: 1,
                  topologyKey: HOSTNAME,
                  whenUnsatisfiable: "DoNotSchedule",
                  labelSelector: { matchLabels: { app: "web" } },
                },
              ],
            },
          },
        },
      };
      const file = join(c.dir, "deployment-web.json");
      await writeFile(file, JSON.stringify(deployment));
      await c.kubectl("apply", "-f", file);
      await c.kubectl("rollout", "status", "deployment/web", "--timeout=55s");
      const rows = (
        await c.kubectl(
          "get",
          "pods",
          "-l",
          "app=web",
          "-o",
          'jsonpath={range .items[*]}{.metadata.ownerReferences[0].kind} {.spec.nodeName}{"\\n"}{end}',
        )
      )
        .trim()
        .split("\n");
      expect(rows.map((r) => r.split(" ")[0])).toEqual(["ReplicaSet", "ReplicaSet", "ReplicaSet"]);
      expect(new Set(rows.map((r) => r.split(" ")[1]))).toEqual(new Set([node("a"), node("b"), node("c")]));
      await c.kubectl("delete", "deployment", "web", "--wait=true");
    });

    it("follows nodeSelector, required and preferred node affinity", async () => {
      const hostTerm = (n: string) => ({
        matchExpressions: [{ key: HOSTNAME, operator: "In" as const, values: [node(n)] }],
      });
      await c.createPod(sleeper("selector", { nodeSelector: { [HOSTNAME]: node("a") } }));
      await c.createPod(
        sleeper("required", {
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [hostTerm("b")] },
            },
          },
        }),
      );
      await c.createPod(
        sleeper("preferred", {
          affinity: {
            nodeAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, preference: hostTerm("c") }],
            },
          },
        }),
      );
      expect((await c.waitForPod("selector", bound, "bound")).spec?.nodeName).toBe(node("a"));
      expect((await c.waitForPod("required", bound, "bound")).spec?.nodeName).toBe(node("b"));
      expect((await c.waitForPod("preferred", bound, "bound")).spec?.nodeName).toBe(node("c"));
    });

    it("keeps a second pod off a node whose host port is taken", async () => {
      const withPort = (n: string) =>
        sleeper(n, {
          nodeSelector: { [HOSTNAME]: node("a") },
          containers: [shell("main", FOREVER, { ports: [{ containerPort: 8080, hostPort: 18080 }] })],
        });
      await c.createPod(withPort("port-1"));
      expect((await c.waitForPod("port-1", bound, "bound")).spec?.nodeName).toBe(node("a"));
      await c.createPod(withPort("port-2"));
      const pending = await c.waitForPod("port-2", unschedulable, "PodScheduled False");
      expect(scheduledCondition(pending)?.message).toBe(
        "0/3 nodes are available: 1 node(s) didn't have free ports for the requested pod ports, " +
          "2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: " +
          "1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling..",
      );
    });

    it("leaves a pod for another scheduler alone", async () => {
      await c.createPod(sleeper("other-scheduler", { schedulerName: "other-scheduler" }));
      // a pod of its own created after it is bound meanwhile: the scheduler has seen both
      await c.createPod(sleeper("own-scheduler"));
      await c.waitForPod("own-scheduler", bound, "bound");
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      const other = await c.api.get<IPod>(
        resourcePath({ resource: "pods", namespace: "default", name: "other-scheduler" }),
      );
      expect(other.spec?.nodeName).toBeUndefined();
      expect(scheduledCondition(other)).toBeUndefined();
      const events = await c.kubectl(
        "get",
        "events",
        "--field-selector",
        "involvedObject.name=other-scheduler",
        "-o",
        "name",
      );
      expect(events.trim()).toBe("");
    });

    it("leaves a pod too big for every node Pending with upstream's message and event", async () => {
      await c.createPod(
        sleeper("too-big", {
          containers: [shell("main", FOREVER, { resources: { requests: { cpu: "1" } } })],
        }),
      );
      const pending = await c.waitForPod("too-big", unschedulable, "PodScheduled False");
      const message =
        "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: " +
        "3 No preemption victims found for incoming pod..";
      expect(scheduledCondition(pending)?.message).toBe(message);
      const events = await c.kubectl(
        "get",
        "events",
        "-o",
        'jsonpath={range .items[?(@.involvedObject.name=="too-big")]}{.reason}|{.source.component}|{.message}{"\\n"}{end}',
      );
      expect(events.trim().split("\n")).toContain(`FailedScheduling|default-scheduler|${message}`);
      expect(await c.kubectl("get", "pod", "too-big", "-o", "jsonpath={.status.phase}")).toBe("Pending");
    });
  });

  it("honours taints and tolerations, and retries when the taint goes", async () => {
    await c.kubectl("taint", "node", node("a"), "dedicated=gpu:NoSchedule");
    await c.createPod(sleeper("untolerated", { nodeSelector: { [HOSTNAME]: node("a") } }));
    await c.createPod(
      sleeper("tolerated", {
        nodeSelector: { [HOSTNAME]: node("a") },
        tolerations: [{ key: "dedicated", operator: "Equal", value: "gpu", effect: "NoSchedule" }],
      }),
    );
    expect((await c.waitForPod("tolerated", bound, "bound")).spec?.nodeName).toBe(node("a"));
    const pending = await c.waitForPod("untolerated", unschedulable, "PodScheduled False");
    expect(scheduledCondition(pending)?.message).toBe(
      "0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, " +
        "2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: " +
        "3 Preemption is not helpful for scheduling..",
    );
    await c.kubectl("taint", "node", node("a"), "dedicated=gpu:NoSchedule-");
    expect((await c.waitForPod("untolerated", bound, "bound once the taint is gone")).spec?.nodeName).toBe(
      node("a"),
    );
  });

  it("schedules nothing onto a node cordoned with kubectl, and uses it again once uncordoned", async () => {
    await c.kubectl("cordon", node("b"));
    await c.createPod(sleeper("cordoned", { nodeSelector: { [HOSTNAME]: node("b") } }));
    const pending = await c.waitForPod("cordoned", unschedulable, "PodScheduled False");
    expect(scheduledCondition(pending)?.message).toBe(
      "0/3 nodes are available: 1 node(s) were unschedulable, 2 node(s) didn't match Pod's node affinity/selector. " +
        "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling..",
    );
    await c.kubectl("uncordon", node("b"));
    expect((await c.waitForPod("cordoned", bound, "bound once uncordoned")).spec?.nodeName).toBe(node("b"));
  });

  it("never over-commits allocatable cpu in a burst of 100 pods", async () => {
    const perNode = 2; // 500m allocatable, 250m each
    const seen = new Map<string, IPod>();
    let wake: () => void = () => undefined;
    const settled = () => [...seen.values()].filter((p) => bound(p) || unschedulable(p)).length;
    const reflector = new Reflector<IPod & KubeObject>({
      client: c.api,
      path: resourcePath({ resource: "pods" }),
      labelSelector: "app=burst",
      handler: {
        onAdd: (p) => void (seen.set(p.metadata?.name ?? "", p), wake()),
        onUpdate: (_o, p) => void (seen.set(p.metadata?.name ?? "", p), wake()),
      },
    });
    reflector.start();
    try {
      await reflector.ready;
      const zones = {
        matchExpressions: [
          { key: HOSTNAME, operator: "In" as const, values: [node("a"), node("b"), node("c")] },
        ],
      };
      await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          c.createPod(
            sleeper(
              `burst-${i}`,
              {
                affinity: {
                  nodeAffinity: {
                    requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [zones] },
                  },
                },
                containers: [shell("main", FOREVER, { resources: { requests: { cpu: "250m" } } })],
              },
              { app: "burst" },
            ),
          ),
        ),
      );
      // the bigger node of the next case starts meanwhile (the burst's pods are kept off it)
      bigNode = c.addNode({ name: "big" });
      bigNode.catch(() => undefined);
      const deadline = Date.now() + 60_000;
      while (seen.size < 100 || settled() < 100) {
        if (Date.now() > deadline) throw new Error(`only ${settled()} of 100 burst pods settled`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 1_000);
        });
      }
      const perNodeCount = new Map<string, number>();
      for (const p of seen.values()) {
        if (bound(p))
          perNodeCount.set(p.spec?.nodeName ?? "", (perNodeCount.get(p.spec?.nodeName ?? "") ?? 0) + 1);
      }
      expect(Object.fromEntries(perNodeCount)).toEqual({
        [node("a")]: perNode,
        [node("b")]: perNode,
        [node("c")]: perNode,
      });
      // the agents admitted what the scheduler placed (an agent rejects a pod with OutOfcpu)
      const rejected = [...seen.values()].filter((p) => p.status?.phase === "Failed");
      expect(rejected.map((p) => `${p.metadata?.name}: ${p.status?.reason}`)).toEqual([]);
      const pending = [...seen.values()].filter(unschedulable);
      expect(pending).toHaveLength(100 - 3 * perNode);
      expect(scheduledCondition(pending[0] as IPod)?.message).toContain(" 3 Insufficient cpu");
      const described = await c.kubectl("describe", "node", node("a"));
      expect(described).toMatch(/cpu\s+500m \(100%\)/);
    } finally {
      // the pods stay: the cluster's stop removes what the bound ones run
      await reflector.stop();
    }
  });

  it("places the too-big pod once a bigger node joins", async () => {
    await (bigNode ?? c.addNode({ name: "big" }));
    expect((await c.waitForPod("too-big", bound, "bound to the new node")).spec?.nodeName).toBe(node("big"));
  });
});
