import { describe, expect, it } from "vitest";
import { ManualClock } from "../common/index.js";
import { FakeRuntime } from "../runtime/fake/index.js";
import {
  containerLabels,
  sandboxLabels,
  type ContainerConfig,
  type PodSandboxConfig,
} from "../runtime/index.js";
import { LABEL_BERTH_NODE_NAME, ScopedRuntime } from "./agent-scoped-runtime.js";

const pod = (uid: string) => ({ name: `p-${uid}`, namespace: "default", uid });

function sandboxConfig(uid: string): PodSandboxConfig {
  return {
    metadata: { ...pod(uid), attempt: 0 },
    logDirectory: `/tmp/logs/${uid}`,
    portMappings: [],
    labels: sandboxLabels(pod(uid)),
    annotations: {},
    namespaceOptions: { network: "POD", pid: "CONTAINER", ipc: "POD" },
    sysctls: {},
  };
}

function containerConfig(uid: string): ContainerConfig {
  return {
    metadata: { name: "c", attempt: 0 },
    image: { image: "busybox:1" },
    command: [],
    args: [],
    envs: [],
    mounts: [],
    labels: containerLabels(pod(uid), "c"),
    annotations: {},
    logPath: "c/0.log",
  };
}

describe("ScopedRuntime", () => {
  it("marks what it creates and lists only its own objects", async () => {
    const raw = new FakeRuntime({ clock: new ManualClock(0), pullAny: true });
    const a = new ScopedRuntime(raw, "node-a");
    const b = new ScopedRuntime(raw, "node-b");
    expect(a.name).toBe(raw.name);

    const sa = await a.runPodSandbox(sandboxConfig("ua"));
    await a.pullImage("busybox:1", undefined, sandboxConfig("ua"));
    const ca = await a.createContainer(sa, containerConfig("ua"), sandboxConfig("ua"));
    await a.startContainer(ca);
    const sb = await b.runPodSandbox(sandboxConfig("ub"));
    // A pod made by something else entirely (no mark): nobody's to remove.
    await raw.runPodSandbox(sandboxConfig("foreign"));

    expect((await a.listPodSandboxes()).map((s) => s.id)).toEqual([sa]);
    expect((await b.listPodSandboxes()).map((s) => s.id)).toEqual([sb]);
    expect(await raw.listPodSandboxes()).toHaveLength(3);
    expect((await a.listContainers()).map((c) => c.id)).toEqual([ca]);
    expect(await b.listContainers()).toEqual([]);
    expect((await a.listContainerStats()).map((s) => s.id)).toEqual([ca]);
    expect(await b.listContainerStats()).toEqual([]);

    // The mark joins the caller's own selector rather than replacing it.
    expect(await a.listPodSandboxes({ labelSelector: { "io.kubernetes.pod.uid": "ub" } })).toEqual([]);
    expect(await a.listContainers({ labelSelector: { "io.kubernetes.pod.uid": "ua" } })).toHaveLength(1);
    const status = await a.containerStatus(ca);
    expect(status.labels[LABEL_BERTH_NODE_NAME]).toBe("node-a");
    expect((await a.podSandboxStatus(sa)).labels).toMatchObject({
      [LABEL_BERTH_NODE_NAME]: "node-a",
      "io.kubernetes.pod.uid": "ua",
    });

    // By-id operations pass through.
    await a.stopContainer(ca, 0);
    await a.removeContainer(ca);
    await a.stopPodSandbox(sa);
    await a.removePodSandbox(sa);
    expect(await a.listPodSandboxes()).toEqual([]);
    expect(await raw.listPodSandboxes()).toHaveLength(2);
    expect((await a.version()).runtimeName).toBe((await raw.version()).runtimeName);
    expect(await a.imageStatus("busybox:1")).toBeDefined();
  });
});
