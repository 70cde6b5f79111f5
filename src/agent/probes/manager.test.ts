import { createServer as createHttpServer } from "node:http";
import { createServer as createTcpServer, type AddressInfo, type Server } from "node:net";
import type { IContainer, IPod, IPodStatus } from "kubernetes-models/v1";
import { describe, expect, it, vi } from "vitest";
import { ManualClock, silentLogger } from "../../common/index.js";
import { MemoryEventRecorder } from "../events/index.js";
import { ProbeManager } from "./manager.js";

const START = Date.UTC(2026, 0, 1);

function podWith(uid: string, container: IContainer): IPod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: `p-${uid}`, namespace: "ns", uid },
    spec: { containers: [container] },
  };
}

function running(id: string, started = true, ready = false): IPodStatus {
  return {
    phase: "Running",
    podIP: "10.0.0.2",
    containerStatuses: [
      {
        name: "c",
        image: "i",
        imageID: "",
        restartCount: 0,
        ready,
        started,
        containerID: `containerd://${id}`,
        state: { running: { startedAt: new Date(START).toISOString() } },
      },
    ],
  };
}

function setup() {
  const clock = new ManualClock(START + 3_600_000);
  const recorder = new MemoryEventRecorder();
  const exits = new Map<string, number>();
  const woken: string[] = [];
  const manager = new ProbeManager({
    runtime: {
      execSync: async (id) => ({
        exitCode: exits.get(id) ?? 0,
        stdout: Buffer.from("out"),
        stderr: Buffer.alloc(0),
      }),
    },
    recorder,
    clock,
    logger: silentLogger(),
    onChange: (uid) => woken.push(uid),
    random: () => 0,
  });
  manager.start();
  return { clock, recorder, exits, woken, manager };
}

const exec = { exec: { command: ["check"] }, periodSeconds: 1, failureThreshold: 2 };

describe("ProbeManager", () => {
  it("readiness drives probeStatus and wakes the pod when it flips", async () => {
    const t = setup();
    const pod = podWith("u1", { name: "c", readinessProbe: exec });
    t.manager.updatePod(pod, running("a"));
    const current = [{ name: "c", id: "a", running: true }];
    expect(t.manager.probeStatus("u1", current).readiness).toEqual({ c: false });
    await t.clock.advance(0);
    expect(t.manager.probeStatus("u1", current).readiness).toEqual({ c: true });
    expect(t.woken.length).toBeGreaterThan(0);
    t.exits.set("a", 1);
    await t.clock.advance(2_000);
    expect(t.manager.probeStatus("u1", current).readiness).toEqual({ c: false });
    expect(t.recorder.events.at(-1)).toMatchObject({
      type: "Warning",
      reason: "Unhealthy",
      message: "Readiness probe failed: out",
      object: { fieldPath: "spec.containers{c}" },
    });
    await t.manager.stop();
  });

  it("a liveness failure asks for a kill with the probe's grace; a new container starts over", async () => {
    const t = setup();
    const pod = podWith("u1", { name: "c", livenessProbe: { ...exec, terminationGracePeriodSeconds: 7 } });
    const container = pod.spec?.containers[0] as IContainer;
    t.exits.set("a", 1);
    t.manager.updatePod(pod, running("a"));
    await t.clock.advance(0);
    expect(t.manager.probeKill(pod, container, "a")).toBeUndefined();
    await t.clock.advance(1_000);
    expect(t.manager.probeKill(pod, container, "a")).toEqual({
      reason: "LivenessProbe",
      message: "Container c failed liveness probe",
      graceSeconds: 7,
    });
    t.manager.updatePod(pod, running("b"));
    await t.clock.advance(1_000);
    expect(t.manager.probeKill(pod, container, "b")).toBeUndefined();
    await t.manager.stop();
  });

  it("exec, httpGet and tcpSocket liveness that pass never ask for a kill over a minute", async () => {
    const clock = new ManualClock(START + 3_600_000);
    const recorder = new MemoryEventRecorder();
    const seen = { exec: 0, http: 0, tcp: 0 };
    const http = createHttpServer((_req, res) => {
      seen.http++;
      res.end("ok");
    });
    const tcp = createTcpServer((socket) => {
      seen.tcp++;
      socket.end();
    });
    const listen = (server: Server) =>
      new Promise<number>((resolve) =>
        server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)),
      );
    const [httpPort, tcpPort] = [await listen(http), await listen(tcp)];
    const manager = new ProbeManager({
      runtime: {
        execSync: async () => {
          seen.exec++;
          return { exitCode: 0, stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) };
        },
      },
      recorder,
      clock,
      logger: silentLogger(),
      onChange: () => undefined,
      random: () => 0,
    });
    manager.start();
    const live = { periodSeconds: 1, failureThreshold: 1 };
    const containers: IContainer[] = [
      { name: "exec", image: "i", livenessProbe: { exec: { command: ["check"] }, ...live } },
      {
        name: "http",
        image: "i",
        livenessProbe: { httpGet: { host: "127.0.0.1", port: httpPort, path: "/" }, ...live },
      },
      {
        name: "tcp",
        image: "i",
        livenessProbe: { tcpSocket: { host: "127.0.0.1", port: tcpPort }, ...live },
      },
    ];
    const pod: IPod = { ...podWith("u1", containers[0] as IContainer), spec: { containers } };
    const base = running("x").containerStatuses?.[0];
    const status: IPodStatus = {
      ...running("x"),
      containerStatuses: containers.map((c) => ({
        ...base!,
        name: c.name,
        containerID: `containerd://${c.name}`,
      })),
    };
    try {
      manager.updatePod(pod, status);
      for (let second = 0; second < 60; second++) {
        const before = { ...seen };
        await clock.advance(1_000);
        await vi.waitFor(() => {
          expect(seen.exec).toBeGreaterThan(before.exec);
          expect(seen.http).toBeGreaterThan(before.http);
          expect(seen.tcp).toBeGreaterThan(before.tcp);
        });
        for (const c of containers) expect(manager.probeKill(pod, c, c.name)).toBeUndefined();
      }
      expect(recorder.events).toEqual([]);
    } finally {
      await manager.stop();
      http.close();
      tcp.close();
    }
  });

  it("startup gates the others and sets started", async () => {
    const t = setup();
    const pod = podWith("u1", { name: "c", startupProbe: exec, livenessProbe: exec });
    t.exits.set("a", 1);
    t.manager.updatePod(pod, running("a", false));
    await t.clock.advance(5_000);
    const current = [{ name: "c", id: "a", running: true }];
    expect(t.manager.probeStatus("u1", current).startup).toEqual({ c: false });
    // the liveness worker has not probed: only startup's events
    expect(t.recorder.events.every((e) => e.message.startsWith("Startup probe failed"))).toBe(true);
    expect(t.manager.probeKill(pod, pod.spec?.containers[0] as IContainer, "a")?.reason).toBe("StartupProbe");
    await t.manager.stop();
  });

  it("while the pod terminates, readiness is false and no probe kills", async () => {
    const t = setup();
    const pod = podWith("u1", { name: "c", readinessProbe: exec, livenessProbe: exec });
    t.manager.updatePod(pod, running("a"));
    await t.clock.advance(0);
    const current = [{ name: "c", id: "a", running: true }];
    expect(t.manager.probeStatus("u1", current).readiness).toEqual({ c: true });
    await t.manager.terminating(pod, current);
    expect(t.manager.probeStatus("u1", current).readiness).toEqual({ c: false });
    expect(t.manager.stats().workers).toBe(0);
    t.manager.updatePod(
      { ...pod, metadata: { ...pod.metadata, deletionTimestamp: new Date().toISOString() } },
      running("a"),
    );
    expect(t.manager.stats().workers).toBe(0);
    await t.manager.removePod("u1");
    expect(t.manager.stats()).toEqual({ pods: 0, workers: 0, results: 0 });
  });

  it("a terminal pod has no workers", async () => {
    const t = setup();
    const pod = podWith("u1", { name: "c", readinessProbe: exec });
    t.manager.updatePod(pod, running("a"));
    expect(t.manager.stats().workers).toBe(1);
    t.manager.updatePod(pod, { ...running("a"), phase: "Succeeded" });
    await t.clock.advance(0);
    expect(t.manager.stats()).toEqual({ pods: 0, workers: 0, results: 0 });
  });

  it("leaks nothing after a thousand pod churns", async () => {
    const t = setup();
    for (let i = 0; i < 1_000; i++) {
      const uid = `u${i}`;
      const pod = podWith(uid, { name: "c", readinessProbe: exec, livenessProbe: exec, startupProbe: exec });
      t.manager.updatePod(pod, running(`id${i}`));
      if (i % 10 === 0) await t.clock.advance(1_000);
      await t.manager.removePod(uid);
    }
    await t.clock.advance(1_000);
    expect(t.manager.stats()).toEqual({ pods: 0, workers: 0, results: 0 });
    expect(t.clock.pending).toBe(0);
  });

  it("never probes a container of another pod", async () => {
    const t = setup();
    const seen: string[] = [];
    const manager = new ProbeManager({
      runtime: {
        execSync: async (id) => {
          seen.push(id);
          return { exitCode: 0, stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) };
        },
      },
      recorder: t.recorder,
      clock: t.clock,
      logger: silentLogger(),
      onChange: () => undefined,
      random: () => 0,
    });
    manager.updatePod(podWith("u1", { name: "c", readinessProbe: exec }), running("a"));
    manager.updatePod(podWith("u2", { name: "c", readinessProbe: exec }), running("b"));
    await t.clock.advance(3_000);
    expect(new Set(seen)).toEqual(new Set(["a", "b"]));
    expect(seen.filter((id) => id === "a").length).toBe(seen.filter((id) => id === "b").length);
    await manager.stop();
  });

  it("removePod and stop() end at once with probes in flight: no event, no timer, no result", async () => {
    const t = setup();
    const pending: ((exitCode: number) => void)[] = [];
    const manager = new ProbeManager({
      // An exec that hangs until the test ends it, then fails.
      runtime: {
        execSync: () =>
          new Promise((resolve) =>
            pending.push((exitCode) =>
              resolve({ exitCode, stdout: Buffer.from("down"), stderr: Buffer.alloc(0) }),
            ),
          ),
      },
      recorder: t.recorder,
      clock: t.clock,
      logger: silentLogger(),
      onChange: () => undefined,
      random: () => 0,
    });
    manager.start();
    manager.updatePod(podWith("u1", { name: "c", readinessProbe: exec, livenessProbe: exec }), running("a"));
    manager.updatePod(podWith("u2", { name: "c", readinessProbe: exec }), running("b"));
    await t.clock.advance(0);
    expect(pending.length).toBe(3);
    let removed = false;
    void manager.removePod("u1").then(() => (removed = true));
    await t.clock.advance(0);
    expect(removed).toBe(true);
    expect(manager.stats()).toEqual({ pods: 1, workers: 1, results: 1 });
    let stopped = false;
    void manager.stop().then(() => (stopped = true));
    await t.clock.advance(0);
    expect(stopped).toBe(true);
    expect(manager.stats()).toEqual({ pods: 0, workers: 0, results: 0 });
    expect(t.clock.pending).toBe(0);
    for (const end of pending) end(1);
    await t.clock.advance(10_000);
    expect(pending.length).toBe(3);
    expect(t.recorder.events).toEqual([]);
  });

  it("cleanupPods forgets the pods that are not desired and keeps the others", async () => {
    const t = setup();
    for (const uid of ["u1", "u2", "u3"]) {
      t.manager.updatePod(podWith(uid, { name: "c", readinessProbe: exec }), running(`id-${uid}`));
    }
    await t.clock.advance(1_000);
    expect(t.manager.stats().workers).toBe(3);
    await t.manager.cleanupPods(new Set(["u2"]));
    expect(t.manager.stats()).toEqual({ pods: 1, workers: 1, results: 1 });
    expect(t.manager.probeStatus("u2", [{ name: "c", id: "id-u2", running: true }]).readiness).toEqual({
      c: true,
    });
    await t.manager.stop();
  });
});
