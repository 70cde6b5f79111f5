/**
 * NodeController against the real API server (SQLite in a temp dir), with a ManualClock, the fake
 * runtime and an injected capacity source.
 */
import type { ILease } from "kubernetes-models/coordination.k8s.io/v1";
import type { INode } from "kubernetes-models/v1";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { resourcePath, type ApiClient } from "../../src/api/index.js";
import { MemoryEventRecorder } from "../../src/agent/events/index.js";
import {
  NodeController,
  type CapacitySource,
  type MachineInfo,
  type NodeControllerConfig,
  type NodeMeasurements,
} from "../../src/agent/node/index.js";
import {
  ErrorCode,
  KUBERNETES_GIT_VERSION,
  ManualClock,
  hasCode,
  silentLogger,
} from "../../src/common/index.js";
import { FakeRuntime, FAKE_RUNTIME_NAME, FAKE_RUNTIME_VERSION } from "../../src/runtime/fake/index.js";
import { startServer, type TestServer } from "../support/apiserver.js";

const GI = 1024 ** 3;
const MI = 1024 ** 2;

class TestCapacity implements CapacitySource {
  measurements: NodeMeasurements = {
    memoryAvailableBytes: 6 * GI,
    fsCapacityBytes: 100 * GI,
    fsAvailableBytes: 60 * GI,
    fsInodes: 1_000_000,
    fsInodesFree: 900_000,
    pidsInUse: 200,
    pidMax: 4_194_304,
  };
  readonly machine: MachineInfo = {
    cpuCores: 4,
    memoryBytes: 8 * GI,
    ephemeralStorageBytes: 100 * GI,
    machineID: "0123456789abcdef0123456789abcdef",
    systemUUID: "4c4c4544-0000-1010-8000-b2c04f4e3332",
    bootID: "b3c1a2f0-0000-4000-8000-000000000001",
    kernelVersion: "6.1.0-test",
    osImage: "Debian GNU/Linux 12 (bookworm)",
    architecture: "amd64",
    defaultAddress: "10.1.2.3",
  };
  async machineInfo(): Promise<MachineInfo> {
    return this.machine;
  }
  async measure(): Promise<NodeMeasurements> {
    return this.measurements;
  }
}

let api: TestServer;
let client: ApiClient;
const shutdown = new AbortController();

beforeAll(async () => {
  api = await startServer();
  client = api.client;
});
afterAll(async () => {
  shutdown.abort();
  await api?.stop();
});

const controllers: NodeController[] = [];
afterEach(async () => {
  await Promise.all(controllers.splice(0).map((c) => c.stop()));
});

const nodePath = (name: string) => resourcePath({ resource: "nodes", name });
const leasePath = (name: string) =>
  resourcePath({ group: "coordination.k8s.io", resource: "leases", namespace: "kube-node-lease", name });
const getNode = (name: string) => client.get<INode>(nodePath(name));
const getLease = (name: string) => client.get<ILease>(leasePath(name));

function setup(name: string, config: NodeControllerConfig = {}, capacity = new TestCapacity()) {
  const clock = new ManualClock(Date.UTC(2026, 0, 1, 0, 0, 0, 123));
  const runtime = new FakeRuntime({ clock });
  const recorder = new MemoryEventRecorder();
  const make = () =>
    new NodeController({
      client,
      nodeName: name,
      runtime,
      clock,
      logger: silentLogger(),
      recorder,
      capacitySource: capacity,
      config,
    });
  const controller = make();
  controllers.push(controller);
  return { clock, runtime, recorder, capacity, controller, make };
}

describe("NodeController", () => {
  it("registers the node with labels, capacity, allocatable, nodeInfo, addresses and conditions", async () => {
    const { controller, recorder } = setup("node-a", { labels: { "example.com/zone": "a" } });
    controller.start(shutdown.signal);
    await controller.ready;
    const node = await getNode("node-a");
    expect(node.metadata?.labels).toMatchObject({
      "kubernetes.io/hostname": "node-a",
      "kubernetes.io/os": "linux",
      "kubernetes.io/arch": "amd64",
      "beta.kubernetes.io/os": "linux",
      "beta.kubernetes.io/arch": "amd64",
      "example.com/zone": "a",
    });
    const status = node.status;
    expect(status?.capacity).toEqual({ cpu: "4", memory: "8Gi", "ephemeral-storage": "100Gi", pods: "110" });
    expect(status?.allocatable).toEqual({
      cpu: "4",
      memory: "8092Mi",
      "ephemeral-storage": "90Gi",
      pods: "110",
    });
    expect(controller.allocatable()).toEqual(status?.allocatable);
    expect(status?.nodeInfo).toMatchObject({
      machineID: "0123456789abcdef0123456789abcdef",
      bootID: "b3c1a2f0-0000-4000-8000-000000000001",
      kernelVersion: "6.1.0-test",
      osImage: "Debian GNU/Linux 12 (bookworm)",
      containerRuntimeVersion: `${FAKE_RUNTIME_NAME}://${FAKE_RUNTIME_VERSION}`,
      kubeletVersion: KUBERNETES_GIT_VERSION,
      operatingSystem: "linux",
      architecture: "amd64",
    });
    expect(status?.addresses).toEqual([
      { type: "InternalIP", address: "10.1.2.3" },
      { type: "Hostname", address: "node-a" },
    ]);
    expect(status?.daemonEndpoints).toEqual({ kubeletEndpoint: { Port: 10250 } });
    expect(status?.conditions?.map((c) => `${c.type}=${c.status}`)).toEqual([
      "MemoryPressure=False",
      "DiskPressure=False",
      "PIDPressure=False",
      "Ready=True",
    ]);
    expect(status?.conditions?.at(-1)).toMatchObject({
      reason: "KubeletReady",
      message: "kubelet is posting ready status",
      lastHeartbeatTime: "2026-01-01T00:00:00Z",
    });
    expect(recorder.reasons()).toEqual([
      "Starting",
      "NodeHasSufficientMemory",
      "NodeHasNoDiskPressure",
      "NodeHasSufficientPID",
    ]);
    expect(recorder.events[1]).toMatchObject({
      object: { kind: "Node", name: "node-a", uid: "node-a" },
      message: "Node node-a status is now: NodeHasSufficientMemory",
    });
    expect(controller.node()?.metadata?.uid).toBe(node.metadata?.uid);
  });

  it("holds a lease named after the node, owned by it, renewed every 10 s with a microsecond renewTime", async () => {
    const { controller, clock } = setup("node-b");
    controller.start(shutdown.signal);
    await controller.ready;
    const node = await getNode("node-b");
    const lease = await getLease("node-b");
    expect(lease.spec).toMatchObject({ holderIdentity: "node-b", leaseDurationSeconds: 40 });
    expect(lease.spec?.renewTime).toBe("2026-01-01T00:00:00.123000Z");
    expect(lease.metadata?.ownerReferences).toEqual([
      { apiVersion: "v1", kind: "Node", name: "node-b", uid: node.metadata?.uid },
    ]);
    await clock.advance(9_999);
    expect((await getLease("node-b")).spec?.renewTime).toBe("2026-01-01T00:00:00.123000Z");
    await clock.advance(1);
    await vi.waitFor(async () =>
      expect((await getLease("node-b")).spec?.renewTime).toBe("2026-01-01T00:00:10.123000Z"),
    );
  });

  it("writes status only when it changed, and at least every report period", async () => {
    const { controller, clock, capacity, recorder } = setup("node-c", {
      nodeStatusUpdateFrequency: 3_600_000,
    });
    controller.start(shutdown.signal);
    await controller.ready;
    const rv = (await getNode("node-c")).metadata?.resourceVersion;
    await clock.advance(60_000);
    await controller.syncStatus();
    expect((await getNode("node-c")).metadata?.resourceVersion).toBe(rv);

    capacity.measurements = { ...capacity.measurements, memoryAvailableBytes: 50 * MI };
    await controller.syncStatus();
    const pressed = await getNode("node-c");
    expect(pressed.metadata?.resourceVersion).not.toBe(rv);
    expect(pressed.status?.conditions?.[0]).toMatchObject({
      type: "MemoryPressure",
      status: "True",
      reason: "KubeletHasInsufficientMemory",
      lastTransitionTime: "2026-01-01T00:01:00Z",
    });
    expect(recorder.reasons()).toContain("NodeHasInsufficientMemory");

    const rv2 = pressed.metadata?.resourceVersion;
    await clock.advance(5 * 60_000 - 1);
    await controller.syncStatus();
    expect((await getNode("node-c")).metadata?.resourceVersion).toBe(rv2);
    await clock.advance(1);
    await controller.syncStatus();
    const reported = await getNode("node-c");
    expect(reported.metadata?.resourceVersion).not.toBe(rv2);
    expect(reported.status?.conditions?.[0]).toMatchObject({
      lastHeartbeatTime: "2026-01-01T00:06:00Z",
      lastTransitionTime: "2026-01-01T00:01:00Z",
    });
  });

  it("goes NotReady when the runtime is down and Ready when it returns, with events and listeners", async () => {
    const { controller, runtime, recorder, clock } = setup("node-d");
    const flips: boolean[] = [];
    controller.onReady((ready) => flips.push(ready));
    controller.start(shutdown.signal);
    await controller.ready;
    runtime.setAvailable(false);
    // The status loop notices on its own within nodeStatusUpdateFrequency.
    await clock.advance(10_000);
    await vi.waitFor(async () =>
      expect((await getNode("node-d")).status?.conditions?.at(-1)?.status).toBe("False"),
    );
    let ready = (await getNode("node-d")).status?.conditions?.at(-1);
    expect(ready).toMatchObject({
      status: "False",
      reason: "KubeletNotReady",
      message: "container runtime is down",
    });
    runtime.setAvailable(true);
    runtime.setNetworkReady(false);
    await controller.syncStatus();
    ready = (await getNode("node-d")).status?.conditions?.at(-1);
    expect(ready?.message).toMatch(
      /^container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady/,
    );
    runtime.setNetworkReady(true);
    let plegReason: string | undefined = "pleg was last seen active 3m0s ago; threshold is 3m0s";
    controller.addHealthCheck("PLEG", () => plegReason);
    await controller.syncStatus();
    expect((await getNode("node-d")).status?.conditions?.at(-1)?.message).toBe(
      "PLEG is not healthy: pleg was last seen active 3m0s ago; threshold is 3m0s",
    );
    plegReason = undefined;
    await controller.syncStatus();
    expect((await getNode("node-d")).status?.conditions?.at(-1)?.status).toBe("True");
    expect(recorder.reasons().filter((r) => r === "NodeReady" || r === "NodeNotReady")).toEqual([
      "NodeNotReady",
      "NodeReady",
    ]);
    expect(flips).toEqual([true, false, true]);
  });

  it("registers again when the Node is deleted, and points the lease at the new Node", async () => {
    const { controller } = setup("node-e");
    controller.start(shutdown.signal);
    await controller.ready;
    const oldUid = (await getNode("node-e")).metadata?.uid;
    await client.delete(nodePath("node-e"));
    await controller.syncStatus();
    const node = await getNode("node-e");
    expect(node.metadata?.uid).not.toBe(oldUid);
    expect(node.status?.conditions?.at(-1)?.status).toBe("True");
    expect((await getLease("node-e")).metadata?.ownerReferences?.[0]?.uid).toBe(node.metadata?.uid);
  });

  it("adopts the existing Node after an agent restart instead of recreating it", async () => {
    const first = setup("node-f");
    first.controller.start(shutdown.signal);
    await first.controller.ready;
    const before = await getNode("node-f");
    await first.controller.stop();
    const recorder = new MemoryEventRecorder();
    const second = new NodeController({
      client,
      nodeName: "node-f",
      runtime: first.runtime,
      clock: first.clock,
      logger: silentLogger(),
      recorder,
      capacitySource: first.capacity,
      config: { labels: { role: "second" } },
    });
    controllers.push(second);
    second.start(shutdown.signal);
    await second.ready;
    const after = await getNode("node-f");
    expect(after.metadata?.uid).toBe(before.metadata?.uid);
    expect(after.metadata?.labels?.["role"]).toBe("second");
    expect(after.status?.conditions?.at(-1)?.lastTransitionTime).toBe(
      before.status?.conditions?.at(-1)?.lastTransitionTime,
    );
    expect(recorder.reasons()).toEqual(["Starting"]);
  });

  it("refuses bad configuration with Config errors", () => {
    const base = {
      client,
      runtime: new FakeRuntime(),
      clock: new ManualClock(),
      logger: silentLogger(),
      recorder: new MemoryEventRecorder(),
    };
    const err = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e;
      }
      return undefined;
    };
    for (const [nodeName, config] of [
      ["Node_A", {}],
      ["n", { maxPods: 0 }],
      ["n", { port: 70000 }],
      ["n", { nodeIP: "not-an-ip" }],
      ["n", { evictionHard: { "memory.available": "x" } }],
      ["n", { nodeStatusUpdateFrequency: -1 }],
    ] as const) {
      const e = err(() => new NodeController({ ...base, nodeName, config }));
      expect(hasCode(e, ErrorCode.Config), `${nodeName} ${JSON.stringify(config)}`).toBe(true);
    }
    expect(() => new NodeController({ ...base, nodeName: "n" }).allocatable()).toThrow(/not registered yet/);
  });
});
