import type { IContainerStatus, IPod } from "kubernetes-models/v1";
import { describe, expect, it } from "vitest";
import { isTerminalPhase, podPhase, type PodPhase } from "./phase.js";

type Shape = "running" | "exit0" | "exit1" | "waiting" | "crash0" | "crash1" | "none" | "empty";

function status(name: string, shape: Shape): IContainerStatus | undefined {
  const base = { name, image: "x", imageID: "", ready: false, restartCount: 0 };
  switch (shape) {
    case "running":
      return { ...base, state: { running: {} } };
    case "exit0":
      return { ...base, state: { terminated: { exitCode: 0 } } };
    case "exit1":
      return { ...base, state: { terminated: { exitCode: 1 } } };
    case "waiting":
      return { ...base, state: { waiting: { reason: "ContainerCreating" } } };
    case "crash0":
      return {
        ...base,
        state: { waiting: { reason: "CrashLoopBackOff" } },
        lastState: { terminated: { exitCode: 0 } },
      };
    case "crash1":
      return {
        ...base,
        state: { waiting: { reason: "CrashLoopBackOff" } },
        lastState: { terminated: { exitCode: 1 } },
      };
    case "empty":
      return { ...base, state: {} };
    case "none":
      return undefined;
  }
}

function phaseOf(
  restartPolicy: "Always" | "OnFailure" | "Never",
  inits: Shape[],
  containers: Shape[],
  terminal = false,
): PodPhase {
  const pod: IPod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p" },
    spec: {
      restartPolicy,
      initContainers: inits.map((_, i) => ({ name: `init${i}`, image: "x" })),
      containers: containers.map((_, i) => ({ name: `c${i}`, image: "x" })),
    },
  };
  const defined = (s: IContainerStatus | undefined): s is IContainerStatus => s !== undefined;
  return podPhase(
    pod,
    inits.map((shape, i) => status(`init${i}`, shape)).filter(defined),
    containers.map((shape, i) => status(`c${i}`, shape)).filter(defined),
    terminal,
  );
}

describe("podPhase (kubelet getPhase)", () => {
  it.each<[string, "Always" | "OnFailure" | "Never", Shape[], Shape[], boolean, PodPhase]>([
    // init containers
    ["init failed, Never", "Never", ["exit1"], ["waiting"], false, "Failed"],
    ["init failed and waiting to restart, Never", "Never", ["crash1"], ["waiting"], false, "Failed"],
    ["init failed, OnFailure (it restarts)", "OnFailure", ["crash1"], ["waiting"], false, "Pending"],
    ["init failed, Always (it restarts)", "Always", ["exit1"], ["waiting"], false, "Pending"],
    ["init running", "Always", ["running"], ["waiting"], false, "Pending"],
    ["init not started", "Always", ["none"], ["none"], false, "Pending"],
    ["init waiting for a first start", "Always", ["waiting"], ["waiting"], false, "Pending"],
    ["second init still to run", "Never", ["exit0", "running"], ["waiting"], false, "Pending"],
    ["init done, containers not started", "Always", ["exit0"], ["waiting"], false, "Pending"],
    ["init done, container running", "Always", ["exit0"], ["running"], false, "Running"],
    [
      "init re-running after regular containers started",
      "Always",
      ["running"],
      ["running"],
      false,
      "Running",
    ],
    // regular containers
    ["one running", "Always", [], ["running"], false, "Running"],
    ["one running, one waiting for its first start", "Always", [], ["running", "waiting"], false, "Pending"],
    ["one running, one without status", "Always", [], ["running", "none"], false, "Pending"],
    ["one running, one with an empty state", "Always", [], ["running", "empty"], false, "Pending"],
    ["running and exited", "Never", [], ["running", "exit1"], false, "Running"],
    ["no status at all", "Always", [], ["none"], false, "Pending"],
    // all stopped
    ["all succeeded, Always (they restart)", "Always", [], ["exit0"], false, "Running"],
    ["all failed, Always", "Always", [], ["exit1", "exit1"], false, "Running"],
    ["crash looping, Always", "Always", [], ["crash1"], false, "Running"],
    ["all succeeded, OnFailure", "OnFailure", [], ["exit0", "exit0"], false, "Succeeded"],
    ["all succeeded, Never", "Never", [], ["exit0"], false, "Succeeded"],
    ["one failed, Never", "Never", [], ["exit0", "exit1"], false, "Failed"],
    ["one failed, OnFailure (it restarts)", "OnFailure", [], ["exit0", "exit1"], false, "Running"],
    ["one failed and waiting to restart, OnFailure", "OnFailure", [], ["crash1"], false, "Running"],
    ["waiting after exit 0 counts as stopped, not succeeded", "OnFailure", [], ["crash0"], false, "Running"],
    // a pod the agent has stopped for good
    ["terminal, all succeeded, Always", "Always", [], ["exit0", "exit0"], true, "Succeeded"],
    ["terminal, one failed, Always", "Always", [], ["exit0", "exit1"], true, "Failed"],
    ["terminal, one failed, OnFailure", "OnFailure", [], ["exit1"], true, "Failed"],
    ["terminal, still running", "Always", [], ["running"], true, "Running"],
  ])("%s", (_name, policy, inits, containers, terminal, expected) => {
    expect(phaseOf(policy, inits, containers, terminal)).toBe(expected);
  });

  it("defaults restartPolicy to Always", () => {
    const pod: IPod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "p" },
      spec: { containers: [{ name: "c", image: "x" }] },
    };
    expect(podPhase(pod, [], [status("c", "exit0") as IContainerStatus], false)).toBe("Running");
  });

  it("knows the terminal phases", () => {
    expect(isTerminalPhase("Succeeded")).toBe(true);
    expect(isTerminalPhase("Failed")).toBe(true);
    expect(isTerminalPhase("Running")).toBe(false);
    expect(isTerminalPhase(undefined)).toBe(false);
  });

  describe("sidecars (init containers with restartPolicy Always)", () => {
    function sidecarPhase(
      sidecar: IContainerStatus | undefined,
      regular: Shape,
      restartPolicy: "Always" | "Never" = "Always",
    ): PodPhase {
      const pod: IPod = {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "p" },
        spec: {
          restartPolicy,
          initContainers: [{ name: "side", image: "x", restartPolicy: "Always" }],
          containers: [{ name: "c0", image: "x" }],
        },
      };
      const main = status("c0", regular);
      return podPhase(pod, sidecar ? [sidecar] : [], main ? [main] : [], false);
    }
    const side = (shape: Shape, started?: boolean): IContainerStatus => ({
      ...(status("side", shape) as IContainerStatus),
      ...(started === undefined ? {} : { started }),
    });
    it.each<[string, IContainerStatus | undefined, Shape, "Always" | "Never", PodPhase]>([
      ["sidecar started, main running", side("running", true), "running", "Always", "Running"],
      ["sidecar running but not started yet", side("running", false), "none", "Always", "Pending"],
      ["sidecar waiting for its first start", side("waiting"), "none", "Always", "Pending"],
      ["sidecar restarting after main started", side("crash1"), "running", "Always", "Running"],
      ["sidecar stopped, main succeeded, Never", side("exit1"), "exit0", "Never", "Succeeded"],
      ["sidecar running, main succeeded, Never", side("running", true), "exit0", "Never", "Running"],
      ["sidecar without status", undefined, "running", "Always", "Pending"],
    ])("%s", (_name, sidecar, regular, policy, expected) => {
      expect(sidecarPhase(sidecar, regular, policy)).toBe(expected);
    });
  });
});
