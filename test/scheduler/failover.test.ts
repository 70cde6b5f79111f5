/**
 * Two `berth scheduler` processes on one API server, in leader election on the kube-scheduler
 * Lease, as kube-scheduler runs in an HA control plane: the leader binds; killed with SIGKILL (no
 * release), its lease expires and the other scheduler takes it and binds the next pod. A hollow
 * node registers a Ready Node and runs what is bound to it; it binds nothing itself.
 */
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import type { ControlPlane } from "../support/control-plane.js";
import { useControlPlane } from "../support/control-plane-vitest.js";
import { eventually } from "../support/eventually.js";
import { HollowNode } from "../support/hollow-node.js";

const NODE = "hollow-sched";
const LEASE = "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-scheduler";

let cp: ControlPlane;

useControlPlane(async (started) => {
  cp = started;
  const node = new HollowNode({ api: cp.api, name: NODE, binds: () => false, startMs: 100 });
  await node.start();
  await cp.startScheduler("a");
  await cp.startScheduler("b");
  return [node];
});

async function createPod(name: string): Promise<void> {
  await cp.api.create("/api/v1/namespaces/default/pods", {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name },
    spec: { containers: [{ name: "main", image: "busybox:1.36" }] },
  });
}

async function boundNode(name: string): Promise<string> {
  return eventually(`pod ${name} bound`, async () => {
    const pod = await cp.api.get<{ spec?: { nodeName?: string } }>(`/api/v1/namespaces/default/pods/${name}`);
    return pod.spec?.nodeName;
  });
}

async function holder(): Promise<string> {
  return (await cp.api.get<{ spec: { holderIdentity: string } }>(LEASE)).spec.holderIdentity;
}

describe("two schedulers", () => {
  it("the leader binds; killed, the other takes the lease and binds the next pod", async () => {
    await createPod("before");
    expect(await boundNode("before")).toBe(NODE);
    const leader = await holder();
    // The leader-election log lines carry the identity, which is hostname_uuid.
    const logs = await Promise.all(cp.managers.map((m) => readFile(m.logPath, "utf8")));
    const index = logs.findIndex((text) => text.includes(`"identity":"${leader}"`));
    const process = cp.managers[index];
    expect(process, `no scheduler log names the leader ${leader}`).toBeDefined();
    await process?.kill9();
    await createPod("after");
    expect(await boundNode("after")).toBe(NODE);
    expect(await holder()).not.toBe(leader);
  }, 60_000);
});
