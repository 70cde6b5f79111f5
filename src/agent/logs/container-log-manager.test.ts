import { describe, expect, it } from "vitest";
import { ManualClock, silentLogger } from "../../common/index.js";
import { FakeRuntime, fixtureSandboxConfig, startFixtureContainer } from "../../runtime/fake/index.js";
import { ContainerLogManager } from "./container-log-manager.js";

const IMAGE = "registry.test/busybox:1";

async function runningContainer(runtime: FakeRuntime, uid: string): Promise<string> {
  const config = fixtureSandboxConfig(uid);
  return startFixtureContainer(runtime, await runtime.runPodSandbox(config), config, "app", IMAGE);
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
