import type { IContainerStatus, IPod, IPodStatus } from "kubernetes-models/v1";
import { describe, expect, it } from "vitest";
import { ManualClock, silentLogger } from "../../common/index.js";
import type { ProbeTarget, ProbeVerdict } from "./prober.js";
import { ResultsCache } from "./results.js";
import { resolveProbe, type ProbeKind } from "./spec.js";
import { ProbeWorker, type PodState } from "./worker.js";

const START = Date.UTC(2026, 0, 1);

function setup(
  kind: ProbeKind,
  probe: Parameters<typeof resolveProbe>[0] = {},
  options: { random?: number; probe?: (target: ProbeTarget) => Promise<ProbeVerdict> } = {},
) {
  const clock = new ManualClock(START);
  const changes: string[] = [];
  const results = new ResultsCache((uid) => changes.push(uid));
  const verdicts: ProbeVerdict[] = [];
  let calls = 0;
  const pod: IPod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", namespace: "ns", uid: "u1" },
    spec: { restartPolicy: "Always", containers: [{ name: "c" }] },
  };
  let container: IContainerStatus = {
    name: "c",
    image: "i",
    imageID: "",
    ready: false,
    restartCount: 0,
    containerID: "containerd://id1",
    started: true,
    state: { running: { startedAt: new Date(START).toISOString() } },
  };
  const state = (): PodState => {
    const status: IPodStatus = { phase: "Running", podIP: "10.0.0.9", containerStatuses: [container] };
    return { pod, status };
  };
  let removed = 0;
  const worker = new ProbeWorker(
    {
      clock,
      log: silentLogger(),
      results,
      startedAt: START,
      random: () => options.random ?? 0,
      prober: {
        probe: async (_kind, target) => {
          calls++;
          if (options.probe !== undefined) return options.probe(target);
          return verdicts.length > 0 ? verdicts.shift() : "success";
        },
      },
      podState: () => state(),
      removed: () => void removed++,
    },
    "u1",
    { name: "c" },
    false,
    kind,
    resolveProbe({ exec: { command: ["true"] }, ...probe }, kind),
  );
  return {
    clock,
    results,
    worker,
    pod,
    changes,
    verdicts,
    calls: () => calls,
    removed: () => removed,
    setContainer: (patch: Partial<IContainerStatus>) => {
      container = { ...container, ...patch };
    },
  };
}

describe("ProbeWorker", () => {
  it("sets the kubelet's initial result per kind for a new container", async () => {
    for (const [kind, initial] of [
      ["readiness", "failure"],
      ["liveness", "success"],
      ["startup", "unknown"],
    ] as const) {
      const t = setup(kind, { initialDelaySeconds: 100 });
      expect(await t.worker.doProbe()).toBe(true);
      expect(t.results.get("id1")).toBe(initial);
      expect(t.calls()).toBe(0);
    }
  });

  it("waits initialDelaySeconds after the container started", async () => {
    const t = setup("readiness", { initialDelaySeconds: 5 });
    await t.clock.advance(4_999);
    await t.worker.doProbe();
    expect(t.calls()).toBe(0);
    await t.clock.advance(1);
    await t.worker.doProbe();
    expect(t.calls()).toBe(1);
    expect(t.results.get("id1")).toBe("success");
  });

  it("flips only after failureThreshold failures, or successThreshold successes, in a row", async () => {
    const t = setup("readiness", { failureThreshold: 3, successThreshold: 2 });
    t.verdicts.push("success", "success", "failure", "failure", "success", "failure", "failure", "failure");
    const seen: (string | undefined)[] = [];
    for (let i = 0; i < 8; i++) {
      await t.worker.doProbe();
      seen.push(t.results.get("id1"));
    }
    expect(seen).toEqual([
      "failure",
      "success",
      "success",
      "success",
      "success",
      "success",
      "success",
      "failure",
    ]);
  });

  it("holds after a liveness failure until the container id changes", async () => {
    const t = setup("liveness", { failureThreshold: 2 });
    t.verdicts.push("failure", "failure");
    await t.worker.doProbe();
    await t.worker.doProbe();
    expect(t.results.get("id1")).toBe("failure");
    await t.worker.doProbe();
    expect(t.calls()).toBe(2);
    t.setContainer({ containerID: "containerd://id2" });
    await t.worker.doProbe();
    expect(t.results.get("id1")).toBeUndefined();
    expect(t.results.get("id2")).toBe("success");
    expect(t.calls()).toBe(3);
  });

  it("liveness and readiness wait for the container to have started; startup stops after", async () => {
    const live = setup("liveness");
    live.setContainer({ started: false });
    await live.worker.doProbe();
    expect(live.calls()).toBe(0);
    const startup = setup("startup");
    startup.setContainer({ started: false });
    await startup.worker.doProbe();
    expect(startup.calls()).toBe(1);
    expect(startup.results.get("id1")).toBe("success");
    startup.setContainer({ started: true });
    await startup.worker.doProbe();
    expect(startup.calls()).toBe(1);
  });

  it("a terminated container counts as failure; under Never the worker ends", async () => {
    const t = setup("readiness");
    t.setContainer({ state: { terminated: { exitCode: 1 } } });
    expect(await t.worker.doProbe()).toBe(true);
    expect(t.results.get("id1")).toBe("failure");
    t.pod.spec = { ...t.pod.spec, containers: t.pod.spec?.containers ?? [], restartPolicy: "Never" };
    expect(await t.worker.doProbe()).toBe(false);
  });

  it("stops liveness quietly (success) once the pod is being deleted", async () => {
    const t = setup("liveness");
    t.verdicts.push("failure", "failure", "failure");
    t.pod.metadata = { ...t.pod.metadata, deletionTimestamp: new Date(START).toISOString() };
    expect(await t.worker.doProbe()).toBe(false);
    expect(t.results.get("id1")).toBe("success");
    expect(t.calls()).toBe(0);
  });

  it("an errored probe changes nothing", async () => {
    const t = setup("readiness");
    t.verdicts.push(undefined);
    await t.worker.doProbe();
    expect(t.results.get("id1")).toBe("failure");
    expect(t.changes).toEqual(["u1"]);
  });

  it("runs every period after a random spread when the agent just started, and a trigger probes at once", async () => {
    const t = setup("readiness", { periodSeconds: 10 }, { random: 0.5 });
    t.worker.start();
    await t.clock.advance(4_000);
    t.worker.trigger(); // kept for after the first probe: the spread holds
    await t.clock.advance(999);
    expect(t.calls()).toBe(0);
    await t.clock.advance(1);
    expect(t.calls()).toBe(2);
    await t.clock.advance(10_000);
    expect(t.calls()).toBe(3);
    await t.clock.advance(10_000);
    expect(t.calls()).toBe(4);
    await t.clock.advance(3_000);
    t.worker.trigger();
    await t.clock.advance(0);
    expect(t.calls()).toBe(5);
    await t.clock.advance(9_999);
    expect(t.calls()).toBe(5);
    await t.clock.advance(1);
    expect(t.calls()).toBe(6);
    await t.clock.advance(5_000);
    expect(t.clock.pending).toBe(1);
    await t.worker.stop();
    expect(t.removed()).toBe(1);
    expect(t.results.size).toBe(0);
    expect(t.clock.pending).toBe(0);
  });

  it("ends by itself when its container will not run again, leaving no timer behind", async () => {
    const t = setup("readiness", { periodSeconds: 1 });
    t.pod.spec = { ...t.pod.spec, containers: t.pod.spec?.containers ?? [], restartPolicy: "Never" };
    t.worker.start();
    await t.clock.advance(2_000);
    expect(t.calls()).toBe(3);
    t.setContainer({ state: { terminated: { exitCode: 0 } } });
    await t.clock.advance(1_000);
    expect(t.removed()).toBe(1);
    expect(t.results.size).toBe(0);
    expect(t.clock.pending).toBe(0);
    await t.clock.advance(10_000);
    expect(t.calls()).toBe(3);
  });

  it("stop() ends a probe in flight through its signal and does not wait for it; its result is dropped", async () => {
    const targets: ProbeTarget[] = [];
    let finish: (v: ProbeVerdict) => void = () => undefined;
    // A probe that ignores its signal and never ends unless the test ends it.
    const probe = (target: ProbeTarget): Promise<ProbeVerdict> => {
      targets.push(target);
      return new Promise((resolve) => (finish = resolve));
    };
    const t = setup("readiness", { periodSeconds: 1 }, { probe });
    t.worker.start();
    await t.clock.advance(0);
    expect(t.calls()).toBe(1);
    expect(targets[0]?.signal?.aborted).toBe(false);
    let stopped = false;
    const stopping = t.worker.stop().then(() => (stopped = true));
    await t.clock.advance(0);
    expect(stopped).toBe(true);
    expect(targets[0]?.signal?.aborted).toBe(true);
    await stopping;
    expect(t.removed()).toBe(1);
    expect(t.clock.pending).toBe(0);
    finish("success");
    await t.clock.advance(5_000);
    expect(t.calls()).toBe(1);
    expect(t.results.size).toBe(0);
  });

  it("a stopped worker never probes again, whatever wakes it", async () => {
    const t = setup("liveness", { periodSeconds: 1 });
    t.worker.start();
    await t.clock.advance(0);
    expect(t.calls()).toBe(1);
    await t.worker.stop();
    t.worker.trigger();
    expect(await t.worker.doProbe()).toBe(false);
    await t.clock.advance(10_000);
    expect(t.calls()).toBe(1);
  });
});
