/**
 * PodManager end to end on one machine without daemons: a real API server in-process (SQLite in
 * a temp dir), the fake runtime on a manual clock, the production conversions and the node admission. The
 * manager's periodic loops run only when the test advances the clock; relist() and idle() drive
 * it step by step, so nothing depends on wall-clock timing except API round trips.
 */
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { IPod, IPodSpec, IProbe } from "kubernetes-models/v1";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { resourcePath, type ApiClient } from "../../src/api/index.js";
import { MemoryEventRecorder } from "../../src/agent/events/index.js";
import { KubeletMetrics } from "../../src/agent/metrics/index.js";
import {
  LABEL_NODE_NAME,
  PodManager,
  createPodConversions,
  type PodCgroupManager,
} from "../../src/agent/pods/index.js";
import { admitPod } from "../../src/agent/resources/index.js";
import { BerthError, ErrorCode, ManualClock, createLogger, silentLogger } from "../../src/common/index.js";
import { FakeRuntime } from "../../src/runtime/fake/index.js";
import { sandboxLabels } from "../../src/runtime/index.js";
import { startServer, type TestServer } from "../support/apiserver.js";

const IMAGE = "registry.test/busybox:1.36";
const IMAGE2 = "registry.test/busybox:1.37";
/** The fake runtime models any unknown program as a server that exits on SIGTERM. */
const SERVER = ["/app/server"];

let dir: string;
let api: TestServer;
let client: ApiClient;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "berth-pods-"));
  api = await startServer({ dir: join(dir, "api") });
  client = api.client;
});

afterAll(async () => {
  await api?.stop();
  await rm(dir, { recursive: true, force: true });
});

class MemoryCgroups implements PodCgroupManager {
  readonly uids = new Set<string>();
  /** The pod cgroups' OOM counts by uid, as the kernel would move them. */
  readonly oomCounts = new Map<string, number>();
  async oomCount(pod: IPod): Promise<number | undefined> {
    const uid = pod.metadata?.uid ?? "";
    return this.uids.has(uid) ? (this.oomCounts.get(uid) ?? 0) : undefined;
  }
  async ensure(pod: IPod): Promise<string> {
    const uid = pod.metadata?.uid ?? "";
    this.uids.add(uid);
    return `/kubepods/pod${uid}`;
  }
  async remove(uid: string): Promise<void> {
    this.uids.delete(uid);
  }
  list(): string[] {
    return [...this.uids];
  }
}

interface Harness {
  readonly manager: PodManager;
  readonly runtime: FakeRuntime;
  readonly clock: ManualClock;
  readonly recorder: MemoryEventRecorder;
  readonly cgroups: MemoryCgroups;
  readonly podsDir: string;
  readonly metrics: KubeletMetrics;
  settle(): Promise<void>;
}

let ns: string;
let NODE = "node-0";
let harness: Harness;
let counter = 0;

function startManager(
  runtime: FakeRuntime,
  clock: ManualClock,
  cgroups = new MemoryCgroups(),
  maxPods = 110,
): Harness {
  const podsDir = join(dir, "pods");
  const logsDir = join(dir, "logs");
  const recorder = new MemoryEventRecorder();
  const metrics = new KubeletMetrics();
  const manager = new PodManager({
    metrics,
    client,
    nodeName: NODE,
    runtime,
    recorder,
    clock,
    cgroups,
    podsDir,
    logsDir,
    logger: process.env["BERTH_LOG_LEVEL"] ? createLogger() : silentLogger(),
    admit: (pod, others) =>
      admitPod(
        pod,
        {
          nodeName: NODE,
          nodeLabels: {},
          allocatable: { cpuMilli: 4000, memoryBytes: 8 * 2 ** 30, pods: maxPods },
        },
        others,
      ),
    conversions: createPodConversions({
      images: runtime,
      nodeName: NODE,
      podsDir,
      logsDir,
      runtimeName: runtime.name,
      node: () => ({
        hostIPs: ["192.0.2.10"],
        memoryCapacityBytes: 8 * 2 ** 30,
        hostDns: { servers: ["192.0.2.53"], searches: [] },
        clusterDomain: "cluster.local",
      }),
    }),
  });
  manager.start();
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 3; i++) {
      // The fake runtime stamps objects with the manual clock: let creation times differ.
      await clock.advance(1);
      await manager.relist();
      await manager.idle();
    }
  };
  return { manager, runtime, clock, recorder, cgroups, podsDir, metrics, settle };
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  for (let i = 0; i < 500; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new BerthError(ErrorCode.Timeout, `timed out waiting for ${what}`);
}

function podPath(name?: string): string {
  return resourcePath({ resource: "pods", namespace: ns, ...(name === undefined ? {} : { name }) });
}

async function createPod(name: string, spec: Partial<IPodSpec>): Promise<IPod> {
  return client.create<IPod>(podPath(), {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name },
    spec: {
      nodeName: NODE,
      containers: [{ name: "app", image: IMAGE, command: ["sleep", "infinity"] }],
      ...spec,
    },
  });
}

/** The pod as the manager has seen it, once it is there and matches. */
async function seen(name: string, test: (pod: IPod) => boolean = () => true): Promise<IPod> {
  return until(`pod ${name}`, () => {
    const pod = harness.manager.pods().find((p) => p.metadata?.name === name && p.metadata.namespace === ns);
    return pod !== undefined && test(pod) ? pod : undefined;
  });
}

/** Syncs until the API has the pod in a state the test accepts. */
/**
 * An exec probe every second that the fake runtime's model answers with success (`true` ignores
 * its arguments) until the test sets the container's exec result: the manual clock moves while a
 * pod converges, so a probe may run before that and must not fail then. `label` (cmd[1]) tells
 * the probes apart in an exec handler.
 */
function execProbe(label: string, extra: Partial<IProbe> = {}): IProbe {
  return { exec: { command: ["true", label] }, periodSeconds: 1, ...extra };
}

async function converge(name: string, test: (pod: IPod) => boolean): Promise<IPod> {
  return until(`pod ${name} to converge`, async () => {
    await harness.settle();
    const pod = await client.get<IPod>(podPath(name));
    return test(pod) ? pod : undefined;
  });
}

beforeEach(async () => {
  ns = `t${++counter}`;
  NODE = `node-${counter}`;
  await client.create(resourcePath({ resource: "namespaces" }), {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: ns },
  });
  const clock = new ManualClock(Date.now());
  harness = startManager(new FakeRuntime({ clock, images: [IMAGE, IMAGE2] }), clock);
  await harness.manager.ready;
});

afterEach(async () => {
  await harness.manager.stop();
});

describe("PodManager", { timeout: 30_000 }, () => {
  it("runs a pod, reports it Running, and a second sync changes nothing", async () => {
    await createPod("web", {});
    await seen("web");
    const pod = await converge("web", (p) => p.status?.phase === "Running");
    const status = pod.status?.containerStatuses?.[0];
    expect(status?.state?.running).toBeDefined();
    expect(status?.containerID).toMatch(/^fake:\/\//);
    expect(pod.status?.podIP).toMatch(/\d+\.\d+\.\d+\.\d+/);
    expect(pod.status?.conditions?.map((c) => c.type)).toContain("Ready");
    expect(harness.recorder.reasons()).toEqual(expect.arrayContaining(["Pulled", "Created", "Started"]));
    expect(harness.cgroups.uids.has(pod.metadata?.uid ?? "")).toBe(true);
    expect(harness.manager.health()).toEqual({ healthy: true });
    // The running status the agent wrote, seen back through the watch, ends the startup SLI.
    await until("the startup SLI", () =>
      harness.metrics.podStartSliDuration.count() === 1 ? true : undefined,
    );
    expect(harness.metrics.podStartTotalDuration.count()).toBe(1);

    const before = {
      sandboxes: harness.runtime.state.sandboxes.size,
      containers: harness.runtime.state.containers.size,
    };
    const rv = pod.metadata?.resourceVersion;
    await harness.settle();
    await harness.clock.advance(60_000); // resync
    await harness.settle();
    expect({
      sandboxes: harness.runtime.state.sandboxes.size,
      containers: harness.runtime.state.containers.size,
    }).toEqual(before);
    expect((await client.get<IPod>(podPath("web"))).metadata?.resourceVersion).toBe(rv);
  });

  it("restarts a crashing container with CrashLoopBackOff and keeps the restart count", async () => {
    await createPod("crash", {
      containers: [{ name: "app", image: IMAGE, command: ["sh", "-c", "exit 1"] }],
    });
    await seen("crash");
    // First exit: restarted at once (kubelet: no backoff before the first restart).
    const backedOff = await converge(
      "crash",
      (p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === "CrashLoopBackOff",
    );
    const cs = backedOff.status?.containerStatuses?.[0];
    expect(cs?.restartCount).toBe(1);
    expect(cs?.lastState?.terminated?.exitCode).toBe(1);
    expect(cs?.state?.waiting?.message).toMatch(/^back-off 10s restarting failed container=app pod=crash_/);
    const backoff = harness.recorder.events.find((e) => e.reason === "BackOff");
    expect(backoff?.message).toBe(
      `Back-off restarting failed container app in pod crash_${ns}(${backedOff.metadata?.uid ?? ""})`,
    );
    // Nothing happens before the 10 s are up...
    await harness.settle();
    expect(harness.runtime.state.containers.size).toBe(2);
    // ...then the third run, and a 20 s backoff.
    await harness.clock.advance(10_000);
    const third = await converge("crash", (p) => p.status?.containerStatuses?.[0]?.restartCount === 2);
    expect(third.status?.containerStatuses?.[0]?.state?.waiting?.message).toMatch(/^back-off 20s/);
    // Garbage collection keeps the newest dead container per name only.
    await harness.manager.collectGarbage();
    expect(harness.runtime.state.containers.size).toBe(1);
  });

  it("shows the backoff as a Go duration (1m20s at the fifth crash); a changed spec restarts at once", async () => {
    await createPod("crash5", {
      containers: [{ name: "app", image: IMAGE, command: ["sh", "-c", "exit 1"] }],
    });
    await seen("crash5");
    const message = (p: IPod): string => p.status?.containerStatuses?.[0]?.state?.waiting?.message ?? "";
    let p = await converge("crash5", (x) => message(x).startsWith("back-off 10s"));
    for (const [wait, text] of [
      [10_000, "20s"],
      [20_000, "40s"],
      [40_000, "1m20s"],
    ] as const) {
      await harness.clock.advance(wait);
      p = await converge("crash5", (x) => message(x).startsWith(`back-off ${text} `));
    }
    expect(p.status?.containerStatuses?.[0]?.restartCount).toBe(4);
    expect(message(p)).toBe(
      `back-off 1m20s restarting failed container=app pod=crash5_${ns}(${p.metadata?.uid ?? ""})`,
    );
    // a new image is a new backoff key: started again without waiting out the 1m20s
    await client.patch(
      podPath("crash5"),
      { spec: { containers: [{ name: "app", image: IMAGE2 }] } },
      "strategic",
    );
    const restarted = await converge("crash5", (x) => x.status?.containerStatuses?.[0]?.restartCount === 5);
    expect(restarted.status?.containerStatuses?.[0]?.image).toBe(IMAGE2);
  });

  it("flips Ready when another writer sets a readiness gate's condition, without a resync", async () => {
    await createPod("gated", { readinessGates: [{ conditionType: "example.com/ready" }] });
    await seen("gated");
    const waiting = await converge("gated", (p) => p.status?.phase === "Running");
    expect(waiting.status?.conditions?.find((c) => c.type === "Ready")).toMatchObject({
      status: "False",
      reason: "ReadinessGatesNotReady",
    });
    await client.patch(
      resourcePath({ resource: "pods", namespace: ns, name: "gated", subresource: "status" }),
      { status: { conditions: [{ type: "example.com/ready", status: "True" }] } },
      "strategic",
    );
    // no clock advance: the watch event alone wakes the pod
    const ready = await until("Ready True", async () => {
      await harness.manager.idle();
      const p = await client.get<IPod>(podPath("gated"));
      return p.status?.conditions?.find((c) => c.type === "Ready")?.status === "True" ? p : undefined;
    });
    expect(ready.status?.conditions?.find((c) => c.type === "example.com/ready")?.status).toBe("True");
  });

  it("retries a container whose ConfigMap is missing after 10 s, not at the resync", async () => {
    await createPod("needs-config", {
      containers: [
        {
          name: "app",
          image: IMAGE,
          command: SERVER,
          env: [{ name: "V", valueFrom: { configMapKeyRef: { name: "late", key: "v" } } }],
        },
      ],
    });
    await seen("needs-config");
    await converge(
      "needs-config",
      (p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === "CreateContainerConfigError",
    );
    await client.create(resourcePath({ resource: "configmaps", namespace: ns }), {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "late" },
      data: { v: "1" },
    });
    await harness.clock.advance(10_000);
    await converge("needs-config", (p) => p.status?.phase === "Running");
  });

  it("retries ErrImageNeverPull after 10 s, not before and not at the resync", async () => {
    const LATE = "registry.test/late:1";
    await createPod("never-pull", {
      containers: [{ name: "app", image: LATE, imagePullPolicy: "Never", command: SERVER }],
    });
    await seen("never-pull");
    const waitingReason = (p: IPod): string | undefined =>
      p.status?.containerStatuses?.[0]?.state?.waiting?.reason;
    await converge("never-pull", (p) => waitingReason(p) === "ErrImageNeverPull");
    harness.runtime.addImage(LATE);
    await harness.clock.advance(9_000);
    await harness.settle();
    expect(waitingReason(await client.get<IPod>(podPath("never-pull")))).toBe("ErrImageNeverPull");
    await harness.clock.advance(1_000);
    await converge("never-pull", (p) => p.status?.phase === "Running");
  });

  it("runs to Succeeded with OnFailure and to Failed with Never", async () => {
    await createPod("ok", {
      restartPolicy: "OnFailure",
      containers: [{ name: "app", image: IMAGE, command: ["true"] }],
    });
    await createPod("bad", {
      restartPolicy: "Never",
      containers: [{ name: "app", image: IMAGE, command: ["false"] }],
    });
    await seen("ok");
    await seen("bad");
    const ok = await converge("ok", (p) => p.status?.phase === "Succeeded");
    expect(ok.status?.containerStatuses?.[0]?.restartCount).toBe(0);
    const bad = await converge("bad", (p) => p.status?.phase === "Failed");
    expect(bad.status?.containerStatuses?.[0]?.state?.terminated?.reason).toBe("Error");
    // A terminal pod's sandbox is stopped and nothing restarts.
    await harness.settle();
    const uid = bad.metadata?.uid ?? "";
    const sandboxes = [...harness.runtime.state.sandboxes.values()].filter(
      (s) => s.config.metadata.uid === uid,
    );
    expect(sandboxes.map((s) => s.state)).toEqual(["notready"]);
  });

  it("a SIGKILL while the pod cgroup's OOM count moved is OOMKilled; without the move, Error", async () => {
    const spec = {
      restartPolicy: "Never" as const,
      containers: [{ name: "eat", image: IMAGE, command: SERVER }],
    };
    await createPod("pod-oom", spec);
    await createPod("killed", spec);
    const running = (p: IPod): boolean => p.status?.phase === "Running";
    const oomPod = await converge("pod-oom", running);
    const killedPod = await converge("killed", running);
    const containerOf = (pod: IPod): string => {
      const uid = pod.metadata?.uid ?? "";
      const sandbox = [...harness.runtime.state.sandboxes.values()].find(
        (s) => s.config.metadata.uid === uid,
      );
      const rec = [...harness.runtime.state.containers.values()].find((c) => c.sandboxId === sandbox?.id);
      return rec?.id ?? "";
    };
    // The kernel kills in the pod cgroup (its count moves); the runtime only sees a SIGKILL.
    harness.cgroups.oomCounts.set(oomPod.metadata?.uid ?? "", 1);
    harness.runtime.exitContainer(containerOf(oomPod), 137);
    harness.runtime.exitContainer(containerOf(killedPod), 137);
    const failed = (p: IPod): boolean => p.status?.phase === "Failed";
    const oom = await converge("pod-oom", failed);
    expect(oom.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({
      reason: "OOMKilled",
      exitCode: 137,
    });
    const killed = await converge("killed", failed);
    expect(killed.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({
      reason: "Error",
      exitCode: 137,
    });
  });

  it("runs init containers in order before the app container", async () => {
    await createPod("init", {
      initContainers: [
        { name: "i1", image: IMAGE, command: ["true"] },
        { name: "i2", image: IMAGE, command: ["true"] },
      ],
    });
    await seen("init");
    const pod = await converge("init", (p) => p.status?.phase === "Running");
    expect(pod.status?.initContainerStatuses?.map((s) => s.state?.terminated?.reason)).toEqual([
      "Completed",
      "Completed",
    ]);
    const started = harness.recorder.events.filter((e) => e.reason === "Started").map((e) => e.message);
    expect(started).toEqual(["Started container i1", "Started container i2", "Started container app"]);
  });

  it("reports ErrImagePull then ImagePullBackOff for a missing image", async () => {
    await createPod("missing", { containers: [{ name: "app", image: "registry.test/nope:1" }] });
    await seen("missing");
    await converge("missing", (p) => p.status?.containerStatuses?.[0]?.state?.waiting !== undefined);
    const failed = harness.recorder.events.find((e) => e.reason === "Failed");
    expect(failed?.message).toMatch(/^Failed to pull image "registry.test\/nope:1": /);
    const second = await converge(
      "missing",
      (p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === "ImagePullBackOff",
    );
    expect(second.status?.containerStatuses?.[0]?.state?.waiting?.message).toBe(
      'Back-off pulling image "registry.test/nope:1"',
    );
    expect(harness.recorder.reasons()).toEqual(expect.arrayContaining(["Pulling", "Failed", "BackOff"]));
    // No relist for over 3 minutes (the runtime gone): the pod machinery reports itself unhealthy.
    harness.runtime.setAvailable(false);
    await harness.clock.advance(181_000);
    expect(harness.manager.health()).toMatchObject({
      healthy: false,
      message: expect.stringMatching(/^PLEG is not healthy/),
    });
    harness.runtime.setAvailable(true);
  });

  it("shows the pod's status while its image pulls and when its sandbox cannot be made", async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let sandboxFails = true;
    class SlowRuntime extends FakeRuntime {
      override async pullImage(...args: Parameters<FakeRuntime["pullImage"]>): Promise<string> {
        await held;
        return super.pullImage(...args);
      }
      override async runPodSandbox(...args: Parameters<FakeRuntime["runPodSandbox"]>): Promise<string> {
        if (sandboxFails && args[0].metadata.name === "no-sandbox")
          throw new BerthError(ErrorCode.Internal, "failed to setup network for sandbox");
        return super.runPodSandbox(...args);
      }
    }
    await harness.manager.stop();
    const clock = new ManualClock(Date.now());
    const runtime = new SlowRuntime({ clock, images: [IMAGE] });
    runtime.addRegistryImage(IMAGE2);
    harness = startManager(runtime, clock);
    await harness.manager.ready;

    await createPod("slow", {
      containers: [{ name: "app", image: IMAGE2, imagePullPolicy: "Always", command: SERVER }],
    });
    await createPod("no-sandbox", {});
    const pulling = await until("slow pod status while pulling", async () => {
      const p = await client.get<IPod>(podPath("slow"));
      return p.status?.containerStatuses?.[0]?.state?.waiting?.reason === "ContainerCreating" ? p : undefined;
    });
    expect(pulling.status).toMatchObject({
      phase: "Pending",
      hostIP: "192.0.2.10",
      hostIPs: [{ ip: "192.0.2.10" }],
      qosClass: "BestEffort",
    });
    expect(pulling.status?.startTime).toBeDefined();
    expect(pulling.status?.conditions?.map((c) => c.type)).toEqual(
      expect.arrayContaining(["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady"]),
    );
    const broken = await until("status of a pod without a sandbox", async () => {
      const p = await client.get<IPod>(podPath("no-sandbox"));
      return p.status?.startTime === undefined ? undefined : p;
    });
    expect(broken.status).toMatchObject({ phase: "Pending", qosClass: "BestEffort", hostIP: "192.0.2.10" });
    expect(broken.status?.containerStatuses?.[0]?.state?.waiting?.reason).toBe("ContainerCreating");
    const failed = await until("FailedCreatePodSandBox", () =>
      harness.recorder.events.find((e) => e.reason === "FailedCreatePodSandBox"),
    );
    expect(failed.message).toBe("Failed to create pod sandbox: failed to setup network for sandbox");
    release();
    sandboxFails = false;
    await harness.clock.advance(10_000);
    const running = await converge("slow", (p) => p.status?.phase === "Running");
    expect(running.status?.startTime).toBe(pulling.status?.startTime);
  });

  it("terminates a deleted pod, removes everything and deletes it for good", async () => {
    const created = await createPod("gone", {});
    await seen("gone");
    await converge("gone", (p) => p.status?.phase === "Running");
    const uid = created.metadata?.uid ?? "";
    await client.delete(podPath("gone"), { gracePeriodSeconds: 5 });
    await seen("gone", (p) => p.metadata?.deletionTimestamp !== undefined);
    // `sleep` as PID 1 ignores SIGTERM: the stop takes the whole grace period on the clock.
    await until("the pod to be gone from the API", async () => {
      void harness.manager.relist();
      await harness.clock.advance(1_000);
      try {
        await client.get(podPath("gone"));
        return undefined;
      } catch (err) {
        return err instanceof BerthError && err.code === ErrorCode.NotFound ? true : undefined;
      }
    });
    expect(harness.runtime.state.sandboxes.size).toBe(0);
    expect(harness.runtime.state.containers.size).toBe(0);
    expect(harness.cgroups.uids.has(uid)).toBe(false);
    await expect(stat(join(harness.podsDir, uid))).rejects.toThrow();
    expect(harness.recorder.reasons()).toContain("Killing");
  });

  it("stops probing a pod gone from the API before its containers stop, and stop() does not wait for that cleanup", async () => {
    await createPod("vanish", {
      terminationGracePeriodSeconds: 60,
      containers: [
        {
          name: "app",
          image: IMAGE,
          command: ["sleep", "infinity"],
          readinessProbe: execProbe("ready-check"),
          livenessProbe: execProbe("live-check"),
        },
      ],
    });
    await seen("vanish");
    const running = await converge(
      "vanish",
      (p) => p.status?.containerStatuses?.[0]?.state?.running !== undefined,
    );
    const id = (running.status?.containerStatuses?.[0]?.containerID ?? "").replace("fake://", "");
    let probes = 0;
    harness.runtime.setExecResult(id, () => {
      probes++;
      return { exitCode: 0 };
    });
    await until("a probe", async () => {
      await harness.clock.advance(1_000);
      return probes > 0 ? true : undefined;
    });
    await client.delete(podPath("vanish"), { gracePeriodSeconds: 0 });
    await until("the pod gone from the manager", () =>
      harness.manager.pods().some((p) => p.metadata?.name === "vanish") ? undefined : true,
    );
    await harness.clock.advance(0);
    const before = probes;
    // `sleep` ignores SIGTERM: the orphan cleanup waits out the recorded 60 s grace on the clock.
    for (let i = 0; i < 20; i++) await harness.clock.advance(1_000);
    expect(probes).toBe(before);
    expect(harness.runtime.state.containers.size).toBe(1);
    expect(harness.recorder.reasons()).not.toContain("Unhealthy");
    let stopped = false;
    void harness.manager.stop().then(() => (stopped = true));
    await until("stop() to end", () => (stopped ? true : undefined));
  });

  it("fails a pod past its activeDeadlineSeconds with DeadlineExceeded and stops it", async () => {
    await createPod("deadline", {
      activeDeadlineSeconds: 5,
      containers: [{ name: "app", image: IMAGE, command: SERVER }],
    });
    await seen("deadline");
    await converge("deadline", (p) => p.status?.phase === "Running" && p.status.startTime !== undefined);
    await harness.clock.advance(6_000);
    const failed = await converge("deadline", (p) => p.status?.phase === "Failed");
    expect(failed.status?.reason).toBe("DeadlineExceeded");
    expect(failed.status?.message).toBe("Pod was active on the node longer than the specified deadline");
    expect([...harness.runtime.state.containers.values()].map((c) => c.state)).toEqual(["exited"]);
    expect(harness.recorder.reasons()).toContain("DeadlineExceeded");
  });

  it("kills a pod on request (an eviction) with the given grace and makes it Failed with its reason, message and condition", async () => {
    await createPod("evicted", {
      terminationGracePeriodSeconds: 300,
      containers: [{ name: "app", image: IMAGE, command: ["sleep", "infinity"] }],
    });
    const running = await converge("evicted", (p) => p.status?.phase === "Running");
    const message = "The node was low on resource: memory. ";
    await harness.manager.killPod(running, {
      gracePeriodSeconds: 1,
      reason: "Evicted",
      message,
      condition: { type: "DisruptionTarget", status: "True", reason: "TerminationByKubelet", message },
    });
    // sleep as PID 1 ignores SIGTERM: only the 1 s grace, not the pod's 300 s, lets it end within
    // the 20 s of manual clock given here.
    let failed: IPod | undefined;
    for (let i = 0; i < 20 && failed === undefined; i++) {
      void harness.manager.relist();
      await harness.clock.advance(1_000);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const p = await client.get<IPod>(podPath("evicted"));
      if (p.status?.phase === "Failed") failed = p;
    }
    if (failed === undefined) throw new Error("the pod did not fail within 20 s of its kill");
    expect(failed.status?.reason).toBe("Evicted");
    expect(failed.status?.message).toBe(message);
    expect(failed.status?.conditions?.find((c) => c.type === "DisruptionTarget")).toMatchObject({
      status: "True",
      reason: "TerminationByKubelet",
      message,
    });
    expect([...harness.runtime.state.containers.values()].map((c) => c.state)).toEqual(["exited"]);
    // the requester records the Evicted event, the sync does not repeat it
    expect(harness.recorder.reasons()).not.toContain("Evicted");
    await expect(
      harness.manager.killPod({ metadata: { uid: "nobody" } } as IPod, {
        gracePeriodSeconds: 0,
        reason: "Evicted",
        message,
      }),
    ).rejects.toThrow("is not on this node");
  });

  it("reports the termination message from the file, or the log tail with FallbackToLogsOnError", async () => {
    const created = await createPod("msg", {
      restartPolicy: "Never",
      containers: [
        { name: "file", image: IMAGE, command: ["sh", "-c", "sleep 5; exit 3"] },
        {
          name: "logs",
          image: IMAGE,
          command: ["sh", "-c", "echo first; echo boom; exit 2"],
          terminationMessagePolicy: "FallbackToLogsOnError",
        },
      ],
    });
    await seen("msg");
    await converge("msg", (p) => p.status?.containerStatuses?.some((c) => c.state?.running) === true);
    const uid = created.metadata?.uid ?? "";
    await writeFile(join(harness.podsDir, uid, "containers", "file", "0"), "custom message");
    await harness.clock.advance(5_000);
    const done = await converge("msg", (p) => p.status?.phase === "Failed");
    const byName = new Map(done.status?.containerStatuses?.map((c) => [c.name, c.state?.terminated]));
    expect(byName.get("file")).toMatchObject({ exitCode: 3, message: "custom message" });
    expect(byName.get("logs")).toMatchObject({ exitCode: 2, message: "first\nboom\n" });
  });

  it("restarts a container whose spec changed (a new image)", async () => {
    await createPod("change", { containers: [{ name: "app", image: IMAGE, command: SERVER }] });
    await seen("change");
    await converge("change", (p) => p.status?.phase === "Running");
    await client.patch(
      podPath("change"),
      { spec: { containers: [{ name: "app", image: IMAGE2 }] } },
      "strategic",
    );
    await seen("change", (p) => p.spec?.containers[0]?.image === IMAGE2);
    const changed = await converge(
      "change",
      (p) =>
        p.status?.containerStatuses?.[0]?.image === IMAGE2 &&
        p.status.containerStatuses[0].state?.running !== undefined,
    );
    expect(changed.status?.containerStatuses?.[0]?.restartCount).toBe(1);
    expect(harness.recorder.events.map((e) => e.message)).toContain(
      "Container app definition changed, will be restarted",
    );
  });

  it("pulls a private image with the pod's imagePullSecret and fails without it", async () => {
    const PRIVATE = "127.0.0.1:5000/private/app:1";
    harness.runtime.addRegistryImage(PRIVATE, { credentials: { username: "alice", password: "s3cret" } });
    const config = { auths: { "127.0.0.1:5000": { auth: Buffer.from("alice:s3cret").toString("base64") } } };
    await client.create(resourcePath({ resource: "secrets", namespace: ns }), {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "regcred" },
      type: "kubernetes.io/dockerconfigjson",
      data: { ".dockerconfigjson": Buffer.from(JSON.stringify(config)).toString("base64") },
    });
    // Always: an image already on the node would otherwise be used without credentials.
    const containers = [{ name: "app", image: PRIVATE, command: SERVER, imagePullPolicy: "Always" as const }];
    await createPod("with", { containers, imagePullSecrets: [{ name: "regcred" }] });
    await createPod("without", { containers });
    await seen("with");
    await seen("without");
    await converge("with", (p) => p.status?.phase === "Running");
    const without = await converge(
      "without",
      (p) => p.status?.containerStatuses?.[0]?.state?.waiting !== undefined,
    );
    expect(without.status?.phase).toBe("Pending");
    expect(["ErrImagePull", "ImagePullBackOff"]).toContain(
      without.status?.containerStatuses?.[0]?.state?.waiting?.reason,
    );
  });

  it("rejects a pod that does not fit with the kubelet's reason", async () => {
    await harness.manager.stop();
    const clock = new ManualClock(Date.now());
    harness = startManager(
      new FakeRuntime({ clock, images: [IMAGE, IMAGE2] }),
      clock,
      new MemoryCgroups(),
      1,
    );
    await harness.manager.ready;
    await createPod("first", {});
    await seen("first");
    await converge("first", (p) => p.status?.phase === "Running");
    await createPod("second", {});
    await seen("second");
    const rejected = await converge("second", (p) => p.status?.phase === "Failed");
    expect(rejected.status?.reason).toBe("OutOfpods");
    const message = "Node didn't have enough resource: pods, requested: 1, used: 1, capacity: 1";
    expect(rejected.status?.message).toBe(`Pod was rejected: ${message}`);
    expect(rejected.status?.qosClass).toBe("BestEffort");
    expect(rejected.status?.startTime).toBeDefined();
    const event = harness.recorder.events.find((e) => e.reason === "OutOfpods");
    expect(event?.object.name).toBe("second");
    expect(event?.message).toBe(message);
    // the rejection stands: later syncs add nothing (no ContainerCreating statuses)
    await harness.clock.advance(60_000);
    await harness.settle();
    const later = await client.get<IPod>(podPath("second"));
    expect(later.metadata?.resourceVersion).toBe(rejected.metadata?.resourceVersion);
    expect(later.status?.containerStatuses).toBeUndefined();
  });

  it("recovers after a restart from the runtime's labels and removes orphans", async () => {
    await createPod("keep", { containers: [{ name: "app", image: IMAGE, command: ["sh", "-c", "exit 1"] }] });
    await seen("keep");
    await converge("keep", (p) => p.status?.containerStatuses?.[0]?.restartCount === 1);
    // A sandbox of a pod the API has never heard of, as if deleted while the agent was down.
    const orphan = { name: "ghost", namespace: ns, uid: "00000000-0000-0000-0000-000000000001" };
    await harness.runtime.runPodSandbox({
      metadata: { ...orphan, attempt: 0 },
      logDirectory: join(dir, "logs", "ghost"),
      portMappings: [],
      labels: { ...sandboxLabels(orphan), [LABEL_NODE_NAME]: NODE },
      annotations: {},
      namespaceOptions: { network: "POD", pid: "CONTAINER", ipc: "POD" },
      sysctls: {},
    });
    await harness.manager.stop();
    const before = harness.runtime.state.containers.size;
    const clock = harness.clock;
    harness = startManager(harness.runtime.newInstance(), clock, harness.cgroups);
    await harness.manager.ready;
    await harness.settle();
    await harness.manager.housekeeping();
    await harness.settle();
    const sandboxes = [...harness.runtime.state.sandboxes.values()];
    expect(sandboxes.map((s) => s.config.metadata.name)).toEqual(["keep"]);
    expect(harness.runtime.state.containers.size).toBe(before + 1); // one restart, nothing duplicated
    // The restart count goes on from the runtime's annotations (the backoff itself lives in
    // memory, as in the kubelet: the first crash after a restart restarts at once).
    const pod = await converge("keep", (p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 2);
    expect(pod.status?.containerStatuses?.[0]?.restartCount).toBe(2);
    expect(pod.status?.containerStatuses?.[0]?.state?.waiting?.reason).toBe("CrashLoopBackOff");
  });

  it("readiness drives Ready; a liveness failure kills the container and starts it again at once", async () => {
    await createPod("probed", {
      containers: [
        {
          name: "app",
          image: IMAGE,
          command: SERVER,
          readinessProbe: execProbe("ready-check", { failureThreshold: 1 }),
          livenessProbe: execProbe("live-check", { failureThreshold: 1 }),
        },
      ],
    });
    await seen("probed");
    const running = await converge(
      "probed",
      (p) => p.status?.containerStatuses?.[0]?.state?.running !== undefined,
    );
    expect(running.status?.containerStatuses?.[0]?.ready).toBe(false);
    const id = (running.status?.containerStatuses?.[0]?.containerID ?? "").replace("fake://", "");
    let alive = true;
    harness.runtime.setExecResult(id, (cmd) => ({ exitCode: cmd[1] === "live-check" && !alive ? 1 : 0 }));
    const step = async (): Promise<void> => {
      await harness.clock.advance(500);
      await harness.settle();
    };
    const ready = await until("Ready", async () => {
      await step();
      const p = await client.get<IPod>(podPath("probed"));
      return p.status?.conditions?.find((c) => c.type === "Ready")?.status === "True" ? p : undefined;
    });
    expect(ready.status?.containerStatuses?.[0]).toMatchObject({
      ready: true,
      started: true,
      restartCount: 0,
    });
    alive = false;
    const restarted = await until("restart", async () => {
      await step();
      const p = await client.get<IPod>(podPath("probed"));
      return (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1 ? p : undefined;
    });
    // the new container starts over: not ready until its readiness probe passes, no backoff
    expect(restarted.status?.containerStatuses?.[0]?.state?.running).toBeDefined();
    expect(harness.recorder.events).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ reason: "Unhealthy", message: "Liveness probe failed: " }),
        expect.objectContaining({
          reason: "Killing",
          message: "Container app failed liveness probe, will be restarted",
        }),
      ]),
    );
    expect(harness.recorder.reasons()).not.toContain("BackOff");
  });
});
