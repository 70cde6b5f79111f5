/**
 * The conversions end to end against the in-memory runtime: the configs built from a pod are
 * accepted and run, and the status computed from what the runtime then reports follows the
 * container through start, crash, restart and completion.
 */
import type { IPod } from "kubernetes-models/v1";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../common/index.js";
import { LABEL_POD_UID, type ContainerStatus, type PodSandboxStatus } from "../../../runtime/index.js";
import { FakeRuntime } from "../../../runtime/fake/index.js";
import { buildContainerConfig, buildSandboxConfig } from "../container/index.js";
import { computePodStatus, statusEqual, type RuntimePodView } from "./index.js";

const IMAGE = "registry.test/berth/app:1";

function makePod(script: string, restartPolicy: "Always" | "Never"): IPod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web", namespace: "shop", uid: "uid-rt" },
    spec: {
      nodeName: "node-a",
      restartPolicy,
      containers: [
        {
          name: "app",
          image: IMAGE,
          command: ["sh", "-c", script],
          env: [
            { name: "WHO", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
            { name: "GREETING", value: "hello $(WHO)" },
          ],
        },
      ],
    },
  };
}

async function viewOf(rt: FakeRuntime, uid: string): Promise<RuntimePodView> {
  const selector = { labelSelector: { [LABEL_POD_UID]: uid } };
  const sandboxes: PodSandboxStatus[] = [];
  for (const s of await rt.listPodSandboxes(selector)) sandboxes.push(await rt.podSandboxStatus(s.id));
  const containers: ContainerStatus[] = [];
  for (const c of await rt.listContainers(selector)) containers.push(await rt.containerStatus(c.id));
  return { sandboxes, containers };
}

interface Harness {
  readonly clock: ManualClock;
  readonly rt: FakeRuntime;
  readonly sandboxId: string;
  readonly run: (attempt: number) => Promise<string>;
}

async function setup(pod: IPod): Promise<Harness> {
  const clock = new ManualClock(Date.UTC(2026, 10, 22, 10, 0, 0));
  const rt = new FakeRuntime({ clock, images: [IMAGE] });
  const sandboxConfig = buildSandboxConfig(pod, {
    attempt: 0,
    logDirectory: "/var/log/pods",
    hostDns: { servers: ["127.0.0.53"], searches: [] },
  });
  const sandboxId = await rt.runPodSandbox(sandboxConfig);
  const sandbox = await rt.podSandboxStatus(sandboxId);
  const container = pod.spec?.containers[0];
  if (!container) throw new Error("pod without container");
  const run = async (attempt: number): Promise<string> => {
    const config = buildContainerConfig(pod, container, {
      attempt,
      podIPs: sandbox.ip ? [sandbox.ip] : [],
      hostIPs: ["192.168.1.2"],
      nodeName: "node-a",
      memoryCapacityBytes: 8 * 1024 ** 3,
      volumeHostPaths: new Map(),
    });
    const id = await rt.createContainer(sandboxId, config, sandboxConfig);
    await rt.startContainer(id);
    return id;
  };
  return { clock, rt, sandboxId, run };
}

const extras = { runtimeName: "fake", hostIPs: ["192.168.1.2"] };

describe("conversions against the fake runtime", () => {
  it("follows a crashing container through CrashLoopBackOff and its restart", async () => {
    const pod = makePod("echo $(GREETING); sleep 5; exit 3", "Always");
    const { clock, rt, run } = await setup(pod);
    const first = await run(0);
    const logs: string[] = [];
    for await (const line of rt.readLogs(first)) logs.push(line.content.toString());
    expect(logs).toEqual(["hello web"]);

    let status = computePodStatus(pod, await viewOf(rt, "uid-rt"), extras, new Date(clock.now()));
    expect(status.phase).toBe("Running");
    expect(status.containerStatuses?.[0]).toMatchObject({
      containerID: `fake://${first}`,
      ready: true,
      restartCount: 0,
    });
    expect(status.conditions?.find((c) => c.type === "Ready")?.status).toBe("True");

    await clock.advance(5_000);
    const waiting = {
      app: {
        reason: "CrashLoopBackOff",
        message: "back-off 10s restarting failed container=app pod=web_shop(uid-rt)",
      },
    };
    status = computePodStatus(
      { ...pod, status },
      await viewOf(rt, "uid-rt"),
      { ...extras, waiting },
      new Date(clock.now()),
    );
    expect(status.phase).toBe("Running");
    expect(status.containerStatuses?.[0]?.state).toEqual({ waiting: waiting.app });
    expect(status.containerStatuses?.[0]?.lastState?.terminated).toMatchObject({
      exitCode: 3,
      reason: "Error",
    });
    expect(status.conditions?.find((c) => c.type === "Ready")).toMatchObject({
      status: "False",
      reason: "ContainersNotReady",
      message: "containers with unready status: [app]",
    });

    await clock.advance(10_000);
    const second = await run(1);
    const restarted = computePodStatus(
      { ...pod, status },
      await viewOf(rt, "uid-rt"),
      extras,
      new Date(clock.now()),
    );
    expect(restarted.containerStatuses?.[0]).toMatchObject({
      containerID: `fake://${second}`,
      restartCount: 1,
      ready: true,
    });
    expect(restarted.containerStatuses?.[0]?.state?.running).toBeDefined();
    expect(restarted.containerStatuses?.[0]?.lastState?.terminated).toMatchObject({
      exitCode: 3,
      containerID: `fake://${first}`,
    });
    expect(statusEqual(status, restarted)).toBe(false);
    const again = computePodStatus(
      { ...pod, status: restarted },
      await viewOf(rt, "uid-rt"),
      extras,
      new Date(clock.now() + 1_000),
    );
    expect(statusEqual(restarted, again)).toBe(true);
    await rt.close();
  });

  it("completes a run-once pod", async () => {
    const pod = makePod("echo $(GREETING)", "Never");
    const { clock, rt, run } = await setup(pod);
    await run(0);
    await clock.advance(0);
    const status = computePodStatus(pod, await viewOf(rt, "uid-rt"), extras, new Date(clock.now()));
    expect(status.phase).toBe("Succeeded");
    expect(status.containerStatuses?.[0]?.state?.terminated).toMatchObject({
      exitCode: 0,
      reason: "Completed",
    });
    expect(status.conditions?.find((c) => c.type === "Ready")).toMatchObject({
      status: "False",
      reason: "PodCompleted",
    });
    await rt.close();
  });
});
