/**
 * The Agent composed for real against the API server (SQLite in a temp dir, its own kubeconfig),
 * the fake runtime, a fixed capacity source and in-memory pod cgroups, on a ManualClock: start,
 * ready, a pod run to Running, stop leaving the pod alone, a second agent adopting it.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import type { ILease } from "kubernetes-models/coordination.k8s.io/v1";
import type { INode, IPod } from "kubernetes-models/v1";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { resourcePath, type ApiClient } from "../../src/api/index.js";
import { Agent } from "../../src/agent/index.js";
import type { CapacitySource, MachineInfo, NodeMeasurements } from "../../src/agent/node/index.js";
import { LABEL_NODE_NAME } from "../../src/agent/pods/index.js";
import { ManualClock, createLogger, isNotFound, silentLogger } from "../../src/common/index.js";
import { resolveAgentConfig, type AgentConfig } from "../../src/config/index.js";
import { FakeRuntime } from "../../src/runtime/fake/index.js";
import { LABEL_POD_UID, sandboxLabels } from "../../src/runtime/index.js";
import { startServer, type TestServer } from "../support/apiserver.js";

const GI = 1024 ** 3;

const capacity: CapacitySource = {
  async machineInfo(): Promise<MachineInfo> {
    return {
      cpuCores: 2,
      memoryBytes: 4 * GI,
      ephemeralStorageBytes: 50 * GI,
      machineID: "0123456789abcdef0123456789abcdef",
      systemUUID: "4c4c4544-0000-1010-8000-b2c04f4e3332",
      bootID: "b3c1a2f0-0000-4000-8000-000000000001",
      kernelVersion: "6.1.0-test",
      osImage: "Debian GNU/Linux 12 (bookworm)",
      architecture: "amd64",
      defaultAddress: "10.9.8.7",
    };
  },
  async measure(): Promise<NodeMeasurements> {
    return {
      memoryAvailableBytes: 3 * GI,
      fsCapacityBytes: 50 * GI,
      fsAvailableBytes: 40 * GI,
      fsInodes: 1_000_000,
      fsInodesFree: 900_000,
      pidsInUse: 100,
      pidMax: 4_194_304,
    };
  },
};

/** Pod cgroups kept in memory: the agent's composition is under test here, not cgroupfs. */
class MemoryCgroups {
  readonly pods = new Set<string>();
  async ensure(pod: IPod): Promise<string> {
    const uid = pod.metadata?.uid ?? "";
    this.pods.add(uid);
    return `/kubepods/pod${uid}`;
  }
  async remove(uid: string): Promise<void> {
    this.pods.delete(uid);
  }
  list(): string[] {
    return [...this.pods];
  }
}

const NODE = "agent-test";
let dir: string;
let api: TestServer;
let admin: ApiClient;
let config: AgentConfig;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "berth-agent-"));
  api = await startServer({ dir: join(dir, "apiserver") });
  admin = api.client;
  config = resolveAgentConfig({
    flags: { kubeconfig: api.kubeconfig, nodeName: NODE, rootDir: join(dir, "agent") },
    fileText: 'maxPods: 20\nresolvConf: ""\n',
  });
});
afterAll(async () => {
  await api?.stop();
  await rm(dir, { recursive: true, force: true });
});

function logSink(level: "info" | "debug" = "info") {
  const stream = new PassThrough();
  const lines: Record<string, unknown>[] = [];
  let partial = "";
  stream.on("data", (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split("\n");
    partial = parts.pop() ?? "";
    for (const line of parts) if (line !== "") lines.push(JSON.parse(line));
  });
  return { logger: createLogger({ level, destination: stream }), lines };
}

const podPath = (name: string) => resourcePath({ resource: "pods", namespace: "default", name });

describe("Agent", () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const runtime = new FakeRuntime({ clock, pullAny: true });
  const cgroups = new MemoryCgroups();
  const make = (logger = silentLogger(), rt: FakeRuntime = runtime) =>
    new Agent({ config, logger, clock, runtime: rt, capacitySource: capacity, cgroups });

  it("registers the node, runs a bound pod, and stops without touching it", { timeout: 20_000 }, async () => {
    const { logger, lines } = logSink();
    const agent = make(logger);
    const signal = new AbortController();
    agent.start(signal.signal);
    await agent.ready;

    const node = await admin.get<INode>(resourcePath({ resource: "nodes", name: NODE }));
    expect(node.status?.capacity?.["pods"]).toBe("20");
    expect(node.status?.addresses).toContainEqual({ type: "InternalIP", address: "10.9.8.7" });
    const lease = await admin.get<ILease>(
      resourcePath({
        group: "coordination.k8s.io",
        resource: "leases",
        namespace: "kube-node-lease",
        name: NODE,
      }),
    );
    expect(lease.spec?.holderIdentity).toBe(NODE);
    await vi.waitFor(() => expect(lines.some((l) => l["msg"] === "agent ready")).toBe(true));
    expect(lines.find((l) => l["msg"] === "agent ready")).toMatchObject({
      node: NODE,
      runtime: "containerd",
    });

    await admin.create<IPod>(resourcePath({ resource: "pods", namespace: "default" }), {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "web", namespace: "default" },
      spec: {
        nodeName: NODE,
        containers: [{ name: "web", image: "busybox:1", command: ["sleep", "infinity"] }],
      },
    });
    const running = await vi.waitFor(
      async () => {
        const pod = await admin.get<IPod>(podPath("web"));
        expect(pod.status?.phase).toBe("Running");
        return pod;
      },
      { timeout: 10_000, interval: 50 },
    );
    const uid = running.metadata?.uid ?? "";
    expect(running.status?.containerStatuses?.[0]).toMatchObject({
      name: "web",
      ready: true,
      restartCount: 0,
    });
    expect(cgroups.pods.has(uid)).toBe(true);
    expect(agent.pods().map((p) => p.metadata?.name)).toContain("web");

    signal.abort();
    await agent.stop();
    expect(lines.some((l) => l["msg"] === "agent stopped; running pods left as they are")).toBe(true);
    const containers = await runtime.listContainers({ labelSelector: { [LABEL_POD_UID]: uid } });
    expect(containers.map((c) => c.state)).toEqual(["running"]);
    expect(await runtime.listPodSandboxes({ labelSelector: { [LABEL_POD_UID]: uid } })).toHaveLength(1);
    expect((await admin.get<IPod>(podPath("web"))).status?.phase).toBe("Running");
  });

  it(
    "adopts the running pod after a restart without duplicating it, then deletes it",
    { timeout: 20_000 },
    async () => {
      const { logger, lines } = logSink("debug");
      const agent = make(logger, new FakeRuntime({ state: runtime.state }));
      const signal = new AbortController();
      agent.start(signal.signal);
      try {
        await agent.ready;
        const pod = await admin.get<IPod>(podPath("web"));
        const uid = pod.metadata?.uid ?? "";
        // The adopted pod's worker syncs, and its plan is empty: no sandbox, nothing to kill or start.
        const syncs = () =>
          lines.filter((l) => l["msg"] === "pod sync" && l["pod"] === `web_default(${uid})`);
        await vi.waitFor(() => expect(syncs().length).toBeGreaterThan(0), { timeout: 10_000, interval: 20 });
        for (const sync of syncs()) {
          expect(sync).toMatchObject({ kill: 0, start: [] });
          expect(sync["createSandbox"]).toBeUndefined();
        }
        const containers = await runtime.listContainers({ labelSelector: { [LABEL_POD_UID]: uid } });
        expect(containers).toHaveLength(1);
        expect(await runtime.listPodSandboxes({ labelSelector: { [LABEL_POD_UID]: uid } })).toHaveLength(1);
        expect((await admin.get<IPod>(podPath("web"))).status?.containerStatuses?.[0]?.restartCount).toBe(0);

        // Another agent's pod on the same runtime, and one made by another tool, are not this agent's orphans.
        const sandbox = (uid: string, labels: Record<string, string>) =>
          runtime.runPodSandbox({
            metadata: { name: `theirs-${uid}`, namespace: "default", uid, attempt: 0 },
            logDirectory: join(dir, uid),
            portMappings: [],
            labels: { ...sandboxLabels({ name: `theirs-${uid}`, namespace: "default", uid }), ...labels },
            annotations: {},
            namespaceOptions: { network: "POD", pid: "CONTAINER", ipc: "POD" },
            sysctls: {},
          });
        const foreign = await sandbox("foreign-uid", { [LABEL_NODE_NAME]: "another-node" });
        const unlabelled = await sandbox("unlabelled-uid", {});

        await admin.delete(podPath("web"));
        await vi.waitFor(
          async () => {
            // The grace period runs on the agent's clock.
            await clock.advance(1_000);
            const err: unknown = await admin.get<IPod>(podPath("web")).then(
              () => undefined,
              (e: unknown) => e,
            );
            expect(isNotFound(err)).toBe(true);
          },
          { timeout: 10_000, interval: 50 },
        );
        expect(await runtime.listContainers({ labelSelector: { [LABEL_POD_UID]: uid } })).toHaveLength(0);
        expect(cgroups.pods.has(uid)).toBe(false);
        // Housekeeping (2 s) and garbage collection (1 min) run at least twice after this point, so
        // at least one pass of each started after the other node's and the unlabelled sandboxes existed.
        const mark = lines.length;
        const passes = (msg: string) => lines.slice(mark).filter((l) => l["msg"] === msg).length;
        await vi.waitFor(
          async () => {
            await clock.advance(30_000);
            expect(passes("housekeeping done")).toBeGreaterThanOrEqual(2);
            expect(passes("garbage collection done")).toBeGreaterThanOrEqual(2);
          },
          { timeout: 10_000, interval: 50 },
        );
        expect((await runtime.podSandboxStatus(foreign)).state).toBe("ready");
        expect((await runtime.podSandboxStatus(unlabelled)).state).toBe("ready");
      } finally {
        signal.abort();
        await agent.stop();
      }
    },
  );

  it("holds the node NotReady with the PLEG message when the runtime is not relisted for 3 minutes", async () => {
    const rt = new FakeRuntime({ clock, pullAny: true });
    const agent = make(silentLogger(), rt);
    const signal = new AbortController();
    agent.start(signal.signal);
    try {
      await agent.ready;
      const ready = async () =>
        (await admin.get<INode>(resourcePath({ resource: "nodes", name: NODE }))).status?.conditions?.find(
          (c) => c.type === "Ready",
        );
      await clock.advance(10_000);
      await vi.waitFor(async () => expect((await ready())?.status).toBe("True"));
      rt.setAvailable(false);
      await vi.waitFor(
        async () => {
          await clock.advance(10_000);
          const condition = await ready();
          expect(condition?.status).toBe("False");
          expect(condition?.message).toMatch(
            /PLEG is not healthy: pleg was last seen active \d+s ago; threshold is 3m0s/,
          );
          expect(condition?.message).not.toMatch(/healthy: PLEG is not healthy/);
        },
        { timeout: 10_000, interval: 20 },
      );
      rt.setAvailable(true);
      await vi.waitFor(
        async () => {
          await clock.advance(10_000);
          expect((await ready())?.status).toBe("True");
        },
        { timeout: 10_000, interval: 20 },
      );
    } finally {
      signal.abort();
      await agent.stop();
    }
  });

  it("fails start with the kubeconfig's error and still stops cleanly", async () => {
    const bad = resolveAgentConfig({
      flags: { kubeconfig: join(dir, "missing.kubeconfig"), nodeName: NODE, rootDir: join(dir, "agent2") },
      fileText: 'resolvConf: ""',
    });
    const agent = new Agent({
      config: bad,
      logger: silentLogger(),
      clock,
      runtime,
      capacitySource: capacity,
      cgroups,
    });
    agent.start(new AbortController().signal);
    await expect(agent.ready).rejects.toThrow(/missing\.kubeconfig/);
    await agent.stop();
  });

  it("refuses a second start", () => {
    const agent = make();
    const signal = new AbortController();
    signal.abort();
    agent.start(signal.signal);
    expect(() => agent.start(signal.signal)).toThrow(/already started/);
    return agent.stop();
  });
});
