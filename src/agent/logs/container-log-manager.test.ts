import { describe, expect, it } from "vitest";
import { ManualClock, silentLogger } from "../../common/index.js";
import { FakeRuntime } from "../../runtime/fake/index.js";
import { containerLabels, sandboxLabels, type PodSandboxConfig } from "../../runtime/index.js";
import { ContainerLogManager } from "./container-log-manager.js";

const IMAGE = "registry.test/busybox:1";

function sandboxConfig(uid: string): PodSandboxConfig {
  const pod = { name: `pod-${uid}`, namespace: "default", uid };
  return {
    metadata: { ...pod, attempt: 0 },
    logDirectory: `/logs/${uid}`,
    portMappings: [],
    labels: sandboxLabels(pod),
    annotations: {},
    namespaceOptions: { network: "POD", pid: "CONTAINER", ipc: "POD" },
    sysctls: {},
  };
}

async function runningContainer(runtime: FakeRuntime, uid: string): Promise<string> {
  const config = sandboxConfig(uid);
  const sandbox = await runtime.runPodSandbox(config);
  const id = await runtime.createContainer(
    sandbox,
    {
      metadata: { name: "app", attempt: 0 },
      image: { image: IMAGE },
      command: ["sleep", "infinity"],
      args: [],
      envs: [],
      mounts: [],
      labels: containerLabels(config.metadata, "app"),
      annotations: {},
      logPath: "app/0.log",
    },
    config,
  );
  await runtime.startContainer(id);
  return id;
}

describe("ContainerLogManager", () => {
  it("asks the runtime for a container's log path once, not at every check", async () => {
    const clock = new ManualClock();
    const runtime = new FakeRuntime({ clock, images: [IMAGE] });
    const asked: string[] = [];
    const containerStatus = runtime.containerStatus.bind(runtime);
    runtime.containerStatus = (id) => (asked.push(id), containerStatus(id));
    const manager = new ContainerLogManager({
      runtime,
      maxSizeBytes: 10 * 1024 * 1024,
      maxFiles: 5,
      clock,
      logger: silentLogger(),
    });
    const a = await runningContainer(runtime, "a");
    const b = await runningContainer(runtime, "b");
    await manager.rotateAll();
    await manager.rotateAll();
    expect(asked.sort()).toEqual([a, b].sort());

    // A container that stopped is forgotten; one that started is asked for once.
    await runtime.stopContainer(a, 0);
    const c = await runningContainer(runtime, "c");
    asked.length = 0;
    await manager.rotateAll();
    await manager.rotateAll();
    expect(asked).toEqual([c]);
  });
});
