import type { IPod } from "kubernetes-models/v1";
import { describe, expect, it } from "vitest";
import {
  ANNOTATION_CONTAINER_HASH,
  ANNOTATION_CONTAINER_RESTART_COUNT,
  LABEL_CONTAINER_NAME,
  type ContainerStatus,
  type PodSandboxStatus,
} from "../../../runtime/index.js";
import { nextRestartCount, planPod, shouldRestart, type PlanInputs } from "./container-plan.js";
import type { RuntimeSnapshot } from "../workers/index.js";

function pod(restartPolicy: "Always" | "OnFailure" | "Never", init: string[] = [], apps = ["app"]): IPod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", namespace: "default", uid: "u1" },
    spec: {
      restartPolicy,
      initContainers: init.map((name) => ({ name, image: "img:1" })),
      containers: apps.map((name) => ({ name, image: "img:1" })),
    },
  };
}

let seq = 0;
function sandbox(state: "ready" | "notready", attempt = 0): PodSandboxStatus {
  seq++;
  return {
    id: `s${seq}`,
    metadata: { name: "p", namespace: "default", uid: "u1", attempt },
    state,
    createdAt: BigInt(seq),
    labels: {},
    annotations: {},
    ip: "10.0.0.2",
    additionalIps: [],
    namespaceOptions: { network: "POD", pid: "CONTAINER", ipc: "POD" },
  };
}

function container(
  name: string,
  sandboxId: string,
  state: "running" | "exited" | "created",
  exitCode = 0,
  restartCount = 0,
  hash = "h",
): ContainerStatus {
  seq++;
  return {
    id: `c${seq}`,
    podSandboxId: sandboxId,
    metadata: { name, attempt: restartCount },
    image: { image: "img:1" },
    imageRef: "sha256:x",
    state,
    createdAt: BigInt(seq),
    labels: { [LABEL_CONTAINER_NAME]: name },
    annotations: {
      [ANNOTATION_CONTAINER_HASH]: hash,
      [ANNOTATION_CONTAINER_RESTART_COUNT]: String(restartCount),
    },
    startedAt: 1n,
    finishedAt: state === "exited" ? 2n : 0n,
    exitCode,
    reason: "",
    message: "",
    mounts: [],
    logPath: "",
  };
}

/** A view as the runtime cache gives it: newest first. */
function view(sandboxes: PodSandboxStatus[], containers: ContainerStatus[]): RuntimeSnapshot {
  const newest = <T extends { createdAt: bigint }>(a: T, b: T): number =>
    a.createdAt > b.createdAt ? -1 : 1;
  return { sandboxes: [...sandboxes].sort(newest), containers: [...containers].sort(newest) };
}

function plan(p: IPod, v: RuntimeSnapshot, extra: Partial<PlanInputs> = {}) {
  return planPod({
    pod: p,
    view: v,
    stopAll: false,
    hashOf: () => "h",
    runningHash: (s) => s.annotations[ANNOTATION_CONTAINER_HASH],
    ...extra,
  });
}

describe("planPod", () => {
  it("re-creates a container that was created but never started, with the same restart count", () => {
    const s = sandbox("ready");
    const stuck = container("app", s.id, "created", 0, 3);
    const p = plan(pod("Never"), view([s], [stuck]));
    expect(p.start.map((x) => [x.restartCount, x.replaces?.id, x.previous])).toEqual([
      [3, stuck.id, undefined],
    ]);
    const init = plan(pod("Never", ["i1"]), view([s], [container("i1", s.id, "created", 0, 0)]));
    expect(init.start.map((x) => [x.container.name, x.restartCount, x.init])).toEqual([["i1", 0, true]]);
    expect(init.initFailed).toBe(false);
  });

  it("creates the first sandbox, then starts every app container, then does nothing", () => {
    const p = pod("Always", [], ["a", "b"]);
    expect(plan(p, view([], [])).createSandbox).toEqual({ attempt: 0 });
    const s = sandbox("ready");
    const first = plan(p, view([s], []));
    expect(first.createSandbox).toBeUndefined();
    expect(first.start.map((x) => [x.container.name, x.restartCount])).toEqual([
      ["a", 0],
      ["b", 0],
    ]);
    const running = plan(p, view([s], [container("a", s.id, "running"), container("b", s.id, "running")]));
    expect(running.start).toEqual([]);
    expect(running.kill).toEqual([]);
  });

  it("runs init containers one at a time, in order, before app containers", () => {
    const p = pod("Always", ["i1", "i2"]);
    const s = sandbox("ready");
    expect(plan(p, view([s], [])).start.map((x) => x.container.name)).toEqual(["i1"]);
    expect(plan(p, view([s], [container("i1", s.id, "running")])).start).toEqual([]);
    const i1 = container("i1", s.id, "exited", 0);
    expect(plan(p, view([s], [i1])).start.map((x) => x.container.name)).toEqual(["i2"]);
    const i2 = container("i2", s.id, "exited", 0);
    expect(plan(p, view([s], [i1, i2])).start.map((x) => [x.container.name, x.init])).toEqual([
      ["app", false],
    ]);
  });

  it("starts sidecars in their turn, keeps them running beside the app and restarts them", () => {
    const p = pod("Never", ["side", "i1"]);
    const spec = p.spec?.initContainers?.[0];
    if (spec) spec.restartPolicy = "Always";
    const s = sandbox("ready");
    expect(plan(p, view([s], [])).start.map((x) => x.container.name)).toEqual(["side", "i1"]);
    const side = container("side", s.id, "running");
    const i1 = container("i1", s.id, "exited", 0);
    expect(plan(p, view([s], [side, i1])).start.map((x) => x.container.name)).toEqual(["app"]);
    const sideDown = container("side", s.id, "exited", 1);
    const again = plan(p, view([s], [i1, sideDown, container("app", s.id, "running")]));
    expect(again.start.map((x) => [x.container.name, x.previous?.id])).toEqual([["side", sideDown.id]]);
  });

  it("ends a pod whose regular containers are done: sidecars stopped, not restarted", () => {
    const withSidecar = (policy: "Never" | "OnFailure"): IPod => {
      const p = pod(policy, ["side"]);
      const spec = p.spec?.initContainers?.[0];
      if (spec) spec.restartPolicy = "Always";
      return p;
    };
    const p = withSidecar("Never");
    const s = sandbox("ready");
    const side = container("side", s.id, "running");
    const done = plan(p, view([s], [side, container("app", s.id, "exited", 0)]));
    expect(done.kill.map((k) => [k.status.id, k.reason])).toEqual([[side.id, "stop"]]);
    expect(done.stopSandboxes).toEqual([s.id]);
    expect(done.start).toEqual([]);
    // a sidecar that crashed meanwhile is not started again either
    const crashed = plan(
      p,
      view([s], [container("side", s.id, "exited", 1), container("app", s.id, "exited", 1)]),
    );
    expect(crashed.start).toEqual([]);
    // while the app runs, or will be restarted, the pod goes on
    expect(plan(p, view([s], [side, container("app", s.id, "running")])).kill).toEqual([]);
    const again = plan(withSidecar("OnFailure"), view([s], [side, container("app", s.id, "exited", 1)]));
    expect(again.kill).toEqual([]);
    expect(again.start.map((x) => x.container.name)).toContain("app");
  });

  it("restarts a failed init container unless the policy is Never, where the pod fails", () => {
    const s = sandbox("ready");
    const failed = container("i1", s.id, "exited", 1, 0);
    const again = plan(pod("OnFailure", ["i1"]), view([s], [failed]));
    expect(again.start.map((x) => [x.container.name, x.restartCount, x.previous?.id])).toEqual([
      ["i1", 1, failed.id],
    ]);
    const never = plan(pod("Never", ["i1"]), view([s], [failed]));
    expect(never.initFailed).toBe(true);
    expect(never.start).toEqual([]);
  });

  it("follows the restart policy table for exited app containers", () => {
    expect([0, 1].map((code) => shouldRestart("Always", code))).toEqual([true, true]);
    expect([0, 1].map((code) => shouldRestart("OnFailure", code))).toEqual([false, true]);
    expect([0, 1].map((code) => shouldRestart("Never", code))).toEqual([false, false]);
    const s = sandbox("ready");
    const older = container("app", s.id, "exited", 1, 3);
    const failed = container("app", s.id, "exited", 2, 4);
    const p = plan(pod("Always"), view([s], [older, failed]));
    expect(p.start.map((x) => [x.restartCount, x.previous?.id])).toEqual([[5, failed.id]]);
    expect(plan(pod("OnFailure"), view([s], [container("app", s.id, "exited", 0)])).start).toEqual([]);
    expect(plan(pod("Never"), view([s], [failed])).start).toEqual([]);
  });

  it("replaces a dead sandbox with the next attempt, killing what still runs; not for Never pods that ran", () => {
    const dead = sandbox("notready", 2);
    const stray = container("app", dead.id, "running");
    const p = plan(pod("Always"), view([dead], [stray]));
    expect(p.createSandbox).toEqual({ attempt: 3 });
    expect(p.kill.map((k) => k.status.id)).toEqual([stray.id]);
    const never = plan(pod("Never"), view([dead], [container("app", dead.id, "exited", 0)]));
    expect(never.createSandbox).toBeUndefined();
    expect(nextRestartCount(view([dead], [container("app", dead.id, "exited", 0, 7)]), "app")).toBe(8);
  });

  it("does not run again under OnFailure what succeeded before the sandbox died", () => {
    const dead = sandbox("notready", 0);
    const done = container("once", dead.id, "exited", 0);
    const server = container("server", dead.id, "exited", 137);
    const p = pod("OnFailure", [], ["once", "server"]);
    expect(plan(p, view([dead], [done, server])).createSandbox).toEqual({ attempt: 1 });
    const fresh = sandbox("ready", 1);
    const next = plan(p, view([fresh, dead], [done, server]));
    expect(next.start.map((x) => [x.container.name, x.restartCount])).toEqual([["server", 1]]);
    // all succeeded: no new sandbox at all
    const finished = view([dead], [done, container("server", dead.id, "exited", 0)]);
    expect(plan(p, finished).createSandbox).toBeUndefined();
    // Always runs everything again
    expect(
      plan(pod("Always", [], ["once", "server"]), view([fresh, dead], [done, server])).start,
    ).toHaveLength(2);
  });

  it("kills containers of old sandboxes, unknown names and changed specs; stopAll stops everything", () => {
    const old = sandbox("ready");
    const cur = sandbox("ready", 1);
    const inOld = container("app", old.id, "running");
    const unknown = container("gone", cur.id, "running");
    const changed = container("app", cur.id, "running", 0, 0, "other-hash");
    const p = plan(pod("Always"), view([old, cur], [inOld, unknown, changed]));
    expect(p.stopSandboxes).toEqual([old.id]);
    expect(p.kill.map((k) => [k.status.id, k.reason]).sort()).toEqual(
      [
        [inOld.id, "sandbox"],
        [unknown.id, "unknown"],
        [changed.id, "changed"],
      ].sort(),
    );
    expect(p.start.map((x) => x.container.name)).toEqual(["app"]);
    const all = plan(pod("Always"), view([old, cur], [inOld, unknown]), { stopAll: true });
    expect(all.kill).toHaveLength(2);
    expect([...all.stopSandboxes].sort()).toEqual([old.id, cur.id].sort());
    expect(all.start).toEqual([]);
  });

  it("kills a container whose liveness or startup probe failed and starts it again unless Never", () => {
    const cur = sandbox("ready");
    const running = container("app", cur.id, "running", 0, 2);
    const probeKill = () => ({
      reason: "LivenessProbe",
      message: "Container app failed liveness probe",
      graceSeconds: 5,
    });
    const p = plan(pod("Always"), view([cur], [running]), { probeKill });
    expect(p.kill).toEqual([
      {
        status: running,
        reason: "LivenessProbe",
        message: "Container app failed liveness probe, will be restarted",
        graceSeconds: 5,
      },
    ]);
    expect(p.start.map((x) => [x.container.name, x.restartCount, x.previous])).toEqual([
      ["app", 3, undefined],
    ]);
    const never = plan(pod("Never"), view([cur], [running]), { probeKill });
    expect(never.kill.map((k) => k.message)).toEqual(["Container app failed liveness probe"]);
    expect(never.start).toEqual([]);
    expect(plan(pod("Always"), view([cur], [running]), { probeKill: () => undefined }).kill).toEqual([]);
  });
});
