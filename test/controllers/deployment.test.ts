/**
 * Deployments end to end with the real programs and the real kubectl: `berth apiserver`, two
 * `berth controller-manager` processes (leader election), and hollow nodes that bind and run the
 * pods (berth's scheduler is not part of this). Cases run concurrently, each in its own namespace.
 */
import { describe, expect, it } from "vitest";
import type { IPod } from "kubernetes-models/v1";
import { stringify } from "yaml";
import type { KubeObject } from "../../src/api/index.js";
import type { ControlPlane } from "../support/control-plane.js";
import { useControlPlane } from "../support/control-plane-vitest.js";
import { HollowNode } from "../support/hollow-node.js";

type Pod = IPod & KubeObject;
type RS = KubeObject & {
  spec?: { replicas?: number; template?: { metadata?: { labels?: Record<string, string> } } };
  status?: Record<string, number>;
};

let cp: ControlPlane;
let node: HollowNode;
let doomed: HollowNode;
/** Pods of this namespace go to the node that dies, until it has died. */
const LIFECYCLE = "lifecycle";
let doomedAlive = true;

useControlPlane(async (started) => {
  cp = started;
  await cp.startControllerManager("cm-a");
  await cp.startControllerManager("cm-b");
  node = new HollowNode({
    api: cp.api,
    name: "hollow-1",
    startMs: 300,
    stopMs: 200,
    binds: (p) => p.metadata?.namespace !== LIFECYCLE || !doomedAlive,
  });
  doomed = new HollowNode({
    api: cp.api,
    name: "hollow-doomed",
    binds: (p) => p.metadata?.namespace === LIFECYCLE,
  });
  await node.start();
  await doomed.start();
  return [node, doomed];
});

function deployment(name: string, namespace: string, replicas: number, extra: Record<string, unknown> = {}) {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: "main", image: "busybox:1.36" }] },
      },
      ...extra,
    },
  };
}

async function apply(obj: unknown): Promise<string> {
  const file = `${cp.dir}/${Math.random().toString(36).slice(2)}.yaml`;
  const { writeFile } = await import("node:fs/promises");
  await writeFile(file, stringify(obj));
  return cp.kubectl("apply", "-f", file);
}

async function namespace(name: string): Promise<string> {
  await cp.kubectl("create", "namespace", name);
  return name;
}

async function podsOf(ns: string, selector: string): Promise<Pod[]> {
  return (await cp.api.list<Pod>(`/api/v1/namespaces/${ns}/pods`, { labelSelector: selector })).items;
}

async function replicaSets(ns: string): Promise<RS[]> {
  return (await cp.api.list<RS>(`/apis/apps/v1/namespaces/${ns}/replicasets`)).items;
}

/** Watches a namespace's pods and ReplicaSets in the background, calling `check` on every change. */
function observe(ns: string, check: (pods: Map<string, Pod>, rss: Map<string, RS>) => void) {
  const stop = new AbortController();
  const pods = new Map<string, Pod>();
  const rss = new Map<string, RS>();
  const errors: unknown[] = [];
  const follow = async <T extends KubeObject>(path: string, into: Map<string, T>) => {
    const list = await cp.api.list<T>(path);
    for (const o of list.items) into.set(o.metadata?.name ?? "", o);
    try {
      for await (const ev of cp.api.watch<T>(path, {
        resourceVersion: list.metadata.resourceVersion,
        signal: stop.signal,
      })) {
        if (ev.type === "BOOKMARK" || ev.type === "ERROR") continue;
        const name = ev.object.metadata?.name ?? "";
        if (ev.type === "DELETED") into.delete(name);
        else into.set(name, ev.object);
        try {
          check(pods, rss);
        } catch (err) {
          errors.push(err);
        }
      }
    } catch (err) {
      if (!stop.signal.aborted) errors.push(err);
    }
  };
  const running = Promise.all([
    follow(`/api/v1/namespaces/${ns}/pods`, pods),
    follow(`/apis/apps/v1/namespaces/${ns}/replicasets`, rss),
  ]);
  return {
    async end(): Promise<unknown[]> {
      stop.abort();
      await running.catch(() => undefined);
      return errors;
    },
  };
}

const isReady = (p: Pod) =>
  p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true;

describe.concurrent("berth controller-manager: Deployments and ReplicaSets", () => {
  it("applies a Deployment, rolls a new image within maxSurge/maxUnavailable, shows history and undoes it", async () => {
    const ns = await namespace("rolling");
    const strategy = { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } };
    expect(await apply(deployment("web", ns, 4, { strategy }))).toBe("deployment.apps/web created\n");
    await cp.kubectl("-n", ns, "rollout", "status", "deployment/web", "--timeout=60s");
    const [rs] = await replicaSets(ns);
    const d = JSON.parse(await cp.kubectl("-n", ns, "get", "deployment", "web", "-o", "json")) as KubeObject;
    expect(rs?.metadata?.ownerReferences).toEqual([
      expect.objectContaining({ kind: "Deployment", name: "web", uid: d.metadata?.uid, controller: true }),
    ]);
    expect(rs?.metadata?.labels?.["pod-template-hash"]).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]+$/);
    const pods = await podsOf(ns, "app=web");
    expect(pods).toHaveLength(4);
    for (const p of pods)
      expect(p.metadata?.ownerReferences?.[0]).toMatchObject({ kind: "ReplicaSet", uid: rs?.metadata?.uid });
    expect(await cp.kubectl("-n", ns, "get", "deployment", "web")).toMatch(/web\s+4\/4\s+4\s+4\s+/);

    // every step of the rollout: at most 4 + 1 pods wanted, at least 4 - 1 ready
    let maxWanted = 0;
    let minReady = Number.POSITIVE_INFINITY;
    const watch = observe(ns, (podMap, rsMap) => {
      const wanted = [...rsMap.values()].reduce((n, r) => n + (r.spec?.replicas ?? 0), 0);
      const ready = [...podMap.values()].filter((p) => !p.metadata?.deletionTimestamp && isReady(p)).length;
      maxWanted = Math.max(maxWanted, wanted);
      minReady = Math.min(minReady, ready);
      expect(wanted).toBeLessThanOrEqual(5);
      expect(ready).toBeGreaterThanOrEqual(3);
    });
    await cp.kubectl("-n", ns, "set", "image", "deployment/web", "main=busybox:1.37");
    await cp.kubectl("-n", ns, "rollout", "status", "deployment/web", "--timeout=60s");
    expect(await watch.end()).toEqual([]);
    expect(maxWanted).toBe(5);
    expect(minReady).toBeGreaterThanOrEqual(3);
    const after = await podsOf(ns, "app=web");
    expect(
      after.filter((p) => !p.metadata?.deletionTimestamp).map((p) => p.spec?.containers[0]?.image),
    ).toEqual(Array(4).fill("busybox:1.37"));
    const history = await cp.kubectl("-n", ns, "rollout", "history", "deployment/web");
    expect(history).toMatch(/REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);
    const events = await cp.kubectl(
      "-n",
      ns,
      "get",
      "events",
      "--field-selector",
      "involvedObject.kind=Deployment",
    );
    expect(events).toMatch(/ScalingReplicaSet\s+deployment\/web\s+Scaled up replica set web-\w+ from 0 to 4/);

    await cp.kubectl("-n", ns, "rollout", "undo", "deployment/web");
    await cp.kubectl("-n", ns, "rollout", "status", "deployment/web", "--timeout=60s");
    const undone = JSON.parse(await cp.kubectl("-n", ns, "get", "deployment", "web", "-o", "json")) as {
      metadata: { annotations: Record<string, string> };
      spec: { template: { spec: { containers: { image: string }[] } } };
      status: { conditions: { type: string; reason: string }[] };
    };
    expect(undone.spec.template.spec.containers[0]?.image).toBe("busybox:1.36");
    expect(undone.metadata.annotations["deployment.kubernetes.io/revision"]).toBe("3");
    expect(undone.status.conditions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: "Available", reason: "MinimumReplicasAvailable" }),
        expect.objectContaining({ type: "Progressing", reason: "NewReplicaSetAvailable" }),
      ]),
    );
    expect((await replicaSets(ns)).map((r) => r.spec?.replicas).sort()).toEqual([0, 4]);
  }, 150_000);

  it("Recreate never runs old and new pods together", async () => {
    const ns = await namespace("recreate");
    await apply(deployment("rc", ns, 3, { strategy: { type: "Recreate" } }));
    await cp.kubectl("-n", ns, "rollout", "status", "deployment/rc", "--timeout=60s");
    const firstHash = (await replicaSets(ns))[0]?.metadata?.labels?.["pod-template-hash"];
    let sawNew = false;
    const watch = observe(ns, (pods) => {
      const hashes = new Set([...pods.values()].map((p) => p.metadata?.labels?.["pod-template-hash"]));
      if ([...hashes].some((h) => h !== firstHash)) sawNew = true;
      expect(hashes.size).toBeLessThanOrEqual(1);
    });
    await cp.kubectl("-n", ns, "set", "image", "deployment/rc", "main=busybox:1.37");
    await cp.kubectl("-n", ns, "rollout", "status", "deployment/rc", "--timeout=60s");
    expect(await watch.end()).toEqual([]);
    expect(sawNew).toBe(true);
  }, 150_000);

  it("scales up and down with kubectl scale, and replaces a pod deleted by hand", async () => {
    const ns = await namespace("scaling");
    await cp.kubectl("-n", ns, "create", "deployment", "sc", "--image=busybox:1.36", "--replicas=2");
    await cp.kubectl("-n", ns, "rollout", "status", "deployment/sc", "--timeout=60s");
    expect(await cp.kubectl("-n", ns, "scale", "deployment/sc", "--replicas=5")).toBe(
      "deployment.apps/sc scaled\n",
    );
    await cp.kubectl("-n", ns, "rollout", "status", "deployment/sc", "--timeout=60s");
    expect((await podsOf(ns, "app=sc")).filter(isReady)).toHaveLength(5);
    await cp.kubectl("-n", ns, "scale", "deployment/sc", "--replicas=2");
    await cp.kubectl(
      "-n",
      ns,
      "wait",
      "deployment/sc",
      "--for=jsonpath={.status.replicas}=2",
      "--timeout=60s",
    );
    const before = (await podsOf(ns, "app=sc")).filter((p) => !p.metadata?.deletionTimestamp);
    expect(before).toHaveLength(2);
    const victim = before[0]?.metadata?.name ?? "";
    await cp.kubectl("-n", ns, "delete", "pod", victim);
    await cp.kubectl(
      "-n",
      ns,
      "wait",
      "deployment/sc",
      "--for=jsonpath={.status.readyReplicas}=2",
      "--timeout=60s",
    );
    const now = (await podsOf(ns, "app=sc")).filter((p) => !p.metadata?.deletionTimestamp);
    expect(now).toHaveLength(2);
    expect(now.map((p) => p.metadata?.name)).not.toContain(victim);
    expect(await cp.kubectl("-n", ns, "get", "rs")).toMatch(/sc-\w+\s+2\s+2\s+2\s+/);
  }, 150_000);

  it("deletes with the three propagation policies", async () => {
    const ns = await namespace("propagation");
    for (const n of ["bg", "orphan", "fg"]) await apply(deployment(n, ns, 2));
    for (const n of ["bg", "orphan", "fg"]) {
      await cp.kubectl("-n", ns, "rollout", "status", `deployment/${n}`, "--timeout=60s");
    }
    await cp.kubectl("-n", ns, "delete", "deployment", "bg");
    await cp.kubectl("-n", ns, "wait", "pods", "-l", "app=bg", "--for=delete", "--timeout=60s");
    expect((await replicaSets(ns)).filter((r) => r.metadata?.name?.startsWith("bg-"))).toEqual([]);

    await cp.kubectl("-n", ns, "delete", "deployment", "orphan", "--cascade=orphan");
    // kubectl waits until the Deployment is gone: after the collector released its ReplicaSet
    const [orphanRS] = (await replicaSets(ns)).filter((r) => r.metadata?.name?.startsWith("orphan-"));
    expect(orphanRS?.metadata?.ownerReferences ?? []).toEqual([]);
    expect((await podsOf(ns, "app=orphan")).filter(isReady)).toHaveLength(2);

    // foreground: kubectl waits for the Deployment, which goes only after its ReplicaSet and pods
    await cp.kubectl("-n", ns, "delete", "deployment", "fg", "--cascade=foreground", "--timeout=60s");
    expect((await replicaSets(ns)).filter((r) => r.metadata?.name?.startsWith("fg-"))).toEqual([]);
    expect(await podsOf(ns, "app=fg")).toEqual([]);
  }, 150_000);

  it("deletes a namespace with everything in it through the Terminating phase", async () => {
    const ns = await namespace("doomed");
    await apply(deployment("d", ns, 2));
    await cp.kubectl("-n", ns, "rollout", "status", "deployment/d", "--timeout=60s");
    await cp.kubectl("-n", ns, "create", "configmap", "c", "--from-literal=a=b");
    await cp.api.create(`/api/v1/namespaces/${ns}/configmaps`, {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "held", finalizers: ["example.com/hold"] },
    });
    await cp.kubectl("delete", "namespace", ns, "--wait=false");
    expect(await cp.kubectl("get", "namespace", ns)).toMatch(/Terminating/);
    // refused while Terminating (NamespaceLifecycle)
    expect(await cp.kubectlFails("-n", ns, "create", "configmap", "late")).toMatch(/being terminated/);
    // the finalizer holds the namespace, and its status says so
    await cp.kubectl(
      "wait",
      "namespace",
      ns,
      "--for=jsonpath={.status.conditions[?(@.type=='NamespaceFinalizersRemaining')].message}=Some finalizers are remaining: example.com/hold in 1 resource instances",
      "--timeout=60s",
    );
    await cp.kubectl(
      "-n",
      ns,
      "patch",
      "configmap",
      "held",
      "--type=merge",
      "-p",
      '{"metadata":{"finalizers":null}}',
    );
    await cp.kubectl("wait", "namespace", ns, "--for=delete", "--timeout=60s");
    expect((await cp.api.list<Pod>(`/api/v1/namespaces/${ns}/pods`)).items).toEqual([]);
  }, 150_000);

  it("refuses invalid Deployments with the API server's messages", async () => {
    const bad = deployment("bad", "default", 1);
    bad.spec.template.metadata.labels = { app: "other" };
    const file = `${cp.dir}/bad.yaml`;
    const { writeFile } = await import("node:fs/promises");
    await writeFile(file, stringify(bad));
    expect(await cp.kubectlFails("apply", "-f", file)).toContain(
      'The Deployment "bad" is invalid: spec.template.metadata.labels: Invalid value: {"app":"other"}: `selector` does not match template `labels`',
    );
    const old = { ...deployment("old", "default", 1), apiVersion: "extensions/v1beta1" };
    await writeFile(file, stringify(old));
    // kubectl finds extensions/v1beta1 in neither /openapi/v3 nor /openapi/v2, then not in discovery
    const refused = await cp.kubectlFails("apply", "-f", file);
    expect(refused).toContain('resource mapping not found for name: "old" namespace: "default" from');
    expect(refused).toContain('no matches for kind "Deployment" in version "extensions/v1beta1"');
  }, 60_000);
});

describe("node lifecycle", () => {
  it("turns a silent node Unknown and tainted, and replaces its pods after their toleration", async () => {
    const ns = await namespace(LIFECYCLE);
    const tolerations = [
      {
        key: "node.kubernetes.io/unreachable",
        operator: "Exists",
        effect: "NoExecute",
        tolerationSeconds: 2,
      },
    ];
    const d = deployment("survivor", ns, 2);
    await apply({
      ...d,
      spec: { ...d.spec, template: { ...d.spec.template, spec: { ...d.spec.template.spec, tolerations } } },
    });
    await cp.kubectl("-n", ns, "rollout", "status", "deployment/survivor", "--timeout=60s");
    expect((await podsOf(ns, "app=survivor")).map((p) => p.spec?.nodeName)).toEqual([
      "hollow-doomed",
      "hollow-doomed",
    ]);
    // a pod without the short toleration keeps the 300 s default of DefaultTolerationSeconds
    const defaults = (await podsOf(ns, "app=survivor"))[0]?.spec?.tolerations ?? [];
    expect(defaults).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ key: "node.kubernetes.io/not-ready", tolerationSeconds: 300 }),
      ]),
    );
    doomedAlive = false;
    await doomed.stop();
    await cp.kubectl("wait", "node/hollow-doomed", "--for=condition=Ready=Unknown", "--timeout=60s");
    const nodeObj = JSON.parse(await cp.kubectl("get", "node", "hollow-doomed", "-o", "json")) as {
      spec: { taints: { key: string; effect: string }[] };
      status: { conditions: { type: string; reason: string; message: string }[] };
    };
    expect(nodeObj.spec.taints).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ key: "node.kubernetes.io/unreachable", effect: "NoExecute" }),
        expect.objectContaining({ key: "node.kubernetes.io/unreachable", effect: "NoSchedule" }),
      ]),
    );
    expect(nodeObj.status.conditions.find((c) => c.type === "Ready")).toMatchObject({
      reason: "NodeStatusUnknown",
      message: "Kubelet stopped posting node status.",
    });
    await cp.kubectl(
      "-n",
      ns,
      "wait",
      "deployment/survivor",
      "--for=jsonpath={.status.readyReplicas}=2",
      "--timeout=60s",
    );
    const live = (await podsOf(ns, "app=survivor")).filter((p) => !p.metadata?.deletionTimestamp);
    expect(live.map((p) => p.spec?.nodeName)).toEqual(["hollow-1", "hollow-1"]);
  }, 120_000);
});

describe("two controller-managers", () => {
  it("fails over to the other when the leader is killed", async () => {
    const lease = () =>
      cp.api.get<{ spec: { holderIdentity: string } }>(
        "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-controller-manager",
      );
    await cp.restartExitedManagers();
    const leader = (await lease()).spec.holderIdentity;
    const process = cp.managers.find((m) => m.name === `controller-manager ${leader}`);
    expect(process).toBeDefined();
    await process?.kill9();
    const ns = await namespace("failover");
    await apply(deployment("after", ns, 2));
    await cp.kubectl("-n", ns, "rollout", "status", "deployment/after", "--timeout=60s");
    expect((await lease()).spec.holderIdentity).not.toBe(leader);
  }, 120_000);
});
