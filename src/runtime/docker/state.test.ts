import { describe, expect, it } from "vitest";
import { encodeLabels, encodeNamespaces } from "./docker-labels.js";
import {
  containerFromSummary,
  containerState,
  containerStatusFromInspect,
  exitReason,
  propagationFromDocker,
  sandboxFromSummary,
  sandboxStatusFromInspect,
  type DockerInspect,
} from "./state.js";

const uid = "6f1b7f5e-1111-2222-3333-444455556666";

function inspect(overrides: Partial<DockerInspect["State"]>, labels: Record<string, string>): DockerInspect {
  return {
    Id: "c1",
    Name: `/k8s_app_web_default_${uid}_3`,
    Created: "2026-01-01T00:00:00.000000100Z",
    Image: "sha256:feed",
    State: {
      Status: "exited",
      OOMKilled: false,
      ExitCode: 0,
      Error: "",
      StartedAt: "2026-01-01T00:00:01.000000001Z",
      FinishedAt: "2026-01-01T00:00:02.000000002Z",
      ...overrides,
    },
    Config: { Image: "busybox:1", Labels: labels },
    Mounts: [
      { Source: "/host/a", Destination: "/a", RW: false, Propagation: "rslave" },
      { Source: "/host/b", Destination: "/b", RW: true, Propagation: "" },
    ],
  };
}

describe("container state", () => {
  it("maps Docker states onto CRI states", () => {
    expect(containerState("created")).toBe("created");
    expect(containerState("running")).toBe("running");
    expect(containerState("paused")).toBe("running");
    expect(containerState("exited")).toBe("exited");
    expect(containerState("dead")).toBe("exited");
    expect(containerState("weird")).toBe("unknown");
  });

  it("names exits the way the kubelet does", () => {
    expect(exitReason("exited", 0, false)).toBe("Completed");
    expect(exitReason("exited", 2, false)).toBe("Error");
    expect(exitReason("exited", 137, true)).toBe("OOMKilled");
    expect(exitReason("running", 0, false)).toBe("");
  });

  it("reads a full status with ns times, reason, mounts and round-tripped labels", () => {
    const labels = encodeLabels(
      { "io.kubernetes.container.name": "app" },
      { "io.kubernetes.container.hash": "abc" },
      {
        type: "container",
        sandboxId: "s1",
        logPath: "/var/log/pods/x/app/3.log",
        created: "1767225600000000050",
      },
    );
    const status = containerStatusFromInspect(inspect({ ExitCode: 1 }, labels));
    expect(status).toMatchObject({
      id: "c1",
      podSandboxId: "s1",
      metadata: { name: "app", attempt: 3 },
      image: { image: "busybox:1" },
      imageRef: "sha256:feed",
      state: "exited",
      createdAt: 1767225600000000050n,
      startedAt: 1767225601000000001n,
      finishedAt: 1767225602000000002n,
      exitCode: 1,
      reason: "Error",
      logPath: "/var/log/pods/x/app/3.log",
      labels: { "io.kubernetes.container.name": "app" },
      annotations: { "io.kubernetes.container.hash": "abc" },
    });
    expect(status.mounts).toEqual([
      { containerPath: "/a", hostPath: "/host/a", readonly: true, propagation: "host-to-container" },
      { containerPath: "/b", hostPath: "/host/b", readonly: false, propagation: "private" },
    ]);
  });

  it("never reports a finish before the start", () => {
    const quick = containerStatusFromInspect(
      inspect({ StartedAt: "2026-01-01T00:00:01.5Z", FinishedAt: "2026-01-01T00:00:01.4Z" }, {}),
    );
    expect(quick.finishedAt).toBe(quick.startedAt);
    expect(quick.startedAt).toBe(1767225601500000000n);
  });

  it("reports OOMKilled and leaves times of a created container at zero", () => {
    expect(containerStatusFromInspect(inspect({ OOMKilled: true, ExitCode: 137 }, {})).reason).toBe(
      "OOMKilled",
    );
    const created = containerStatusFromInspect(
      inspect({ Status: "created", StartedAt: "0001-01-01T00:00:00Z", ExitCode: 0 }, {}),
    );
    expect(created).toMatchObject({ state: "created", startedAt: 0n, finishedAt: 0n, reason: "" });
    expect(created.createdAt).toBe(1767225600000000100n);
  });

  it("reports a container whose start failed as exited with ContainerCannotRun (cri-dockerd)", () => {
    const failed = containerStatusFromInspect(
      inspect(
        {
          Status: "created",
          ExitCode: 128,
          Error: 'exec: "nope": executable file not found in $PATH',
          StartedAt: "0001-01-01T00:00:00Z",
          FinishedAt: "0001-01-01T00:00:00Z",
        },
        {},
      ),
    );
    expect(failed).toMatchObject({
      state: "exited",
      exitCode: 128,
      reason: "ContainerCannotRun",
      message: 'exec: "nope": executable file not found in $PATH',
    });
    expect(failed.startedAt).toBe(failed.createdAt);
    expect(failed.finishedAt).toBe(failed.createdAt);
  });

  it("reads list summaries, falling back to Docker's seconds without our label", () => {
    const summary = {
      Id: "c2",
      Names: [`/k8s_app_web_default_${uid}_1`],
      Image: "busybox:1",
      ImageID: "sha256:feed",
      Created: 1767225600,
      State: "running",
      Labels: { a: "b" },
    };
    expect(containerFromSummary(summary)).toMatchObject({
      metadata: { name: "app", attempt: 1 },
      state: "running",
      createdAt: 1767225600000000000n,
      labels: { a: "b" },
      annotations: {},
    });
    expect(
      sandboxFromSummary({ ...summary, Names: [`/k8s_POD_web_default_${uid}_4`], State: "exited" }),
    ).toMatchObject({
      metadata: { name: "web", namespace: "default", uid, attempt: 4 },
      state: "notready",
    });
  });

  it("maps Docker propagation modes back", () => {
    expect(propagationFromDocker("rshared")).toBe("bidirectional");
    expect(propagationFromDocker("rslave")).toBe("host-to-container");
    expect(propagationFromDocker("rprivate")).toBe("private");
  });
});

describe("sandbox status", () => {
  const base = inspect({ Status: "running" }, {});
  const withNet = (network: "POD" | "NODE"): DockerInspect => ({
    ...base,
    Name: `/k8s_POD_web_default_${uid}_0`,
    Config: {
      Image: "pause",
      Labels: encodeLabels(
        {},
        {},
        { namespaces: encodeNamespaces({ network, pid: "CONTAINER", ipc: "POD" }) },
      ),
    },
    NetworkSettings: {
      IPAddress: "10.1.0.5",
      Networks: { bridge: { IPAddress: "10.1.0.5", GlobalIPv6Address: "fd00::5" } },
    },
  });

  it("takes the pause container's bridge address", () => {
    const status = sandboxStatusFromInspect(withNet("POD"));
    expect(status).toMatchObject({
      state: "ready",
      ip: "10.1.0.5",
      additionalIps: ["fd00::5"],
      namespaceOptions: { network: "POD", pid: "CONTAINER", ipc: "POD" },
    });
  });

  it("has no address with host networking or once stopped", () => {
    expect(sandboxStatusFromInspect(withNet("NODE")).ip).toBe("");
    const stopped = withNet("POD");
    expect(
      sandboxStatusFromInspect({ ...stopped, State: { ...stopped.State, Status: "exited" } }),
    ).toMatchObject({
      state: "notready",
      ip: "",
    });
  });
});
