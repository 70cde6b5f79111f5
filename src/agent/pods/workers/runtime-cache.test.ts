import { describe, expect, it } from "vitest";
import { ManualClock, silentLogger } from "../../../common/index.js";
import { FakeRuntime, fixtureSandboxConfig, startFixtureContainer } from "../../../runtime/fake/index.js";
import type { PodSandboxConfig } from "../../../runtime/index.js";
import { LABEL_NODE_NAME } from "../constants.js";
import { RuntimeCache } from "./runtime-cache.js";

const IMAGE = "registry.test/busybox:1";
const NODE = "node-1";

function sandboxConfig(uid: string): PodSandboxConfig {
  return fixtureSandboxConfig(uid, { [LABEL_NODE_NAME]: NODE });
}

function startContainer(runtime: FakeRuntime, sandboxId: string, uid: string, name: string): Promise<string> {
  return startFixtureContainer(runtime, sandboxId, sandboxConfig(uid), name, IMAGE);
}

describe("RuntimeCache", () => {
  it("groups by pod uid and reports only pods whose runtime objects changed", async () => {
    const clock = new ManualClock();
    const runtime = new FakeRuntime({ clock, images: [IMAGE] });
    const cache = new RuntimeCache({ runtime, log: silentLogger(), nodeName: NODE });
    expect(await cache.relist()).toEqual([]);
    expect(cache.relisted).toBe(true);
    // Another agent's sandbox on the same runtime is not this agent's.
    const foreign = sandboxConfig("other");
    await runtime.runPodSandbox({ ...foreign, labels: { ...foreign.labels, [LABEL_NODE_NAME]: "node-2" } });
    expect(await cache.relist()).toEqual([]);

    const sa = await runtime.runPodSandbox(sandboxConfig("a"));
    const sb = await runtime.runPodSandbox(sandboxConfig("b"));
    const ca = await startContainer(runtime, sa, "a", "app");
    await startContainer(runtime, sb, "b", "app");
    expect((await cache.relist()).sort()).toEqual(["a", "b"]);
    expect(await cache.relist()).toEqual([]);
    const view = cache.get("a");
    expect(view.sandboxes.map((s) => s.id)).toEqual([sa]);
    expect(view.sandboxes[0]?.ip).not.toBe("");
    expect(view.containers.map((c) => [c.id, c.state])).toEqual([[ca, "running"]]);

    runtime.exitContainer(ca, 3);
    expect(await cache.relist()).toEqual(["a"]);
    expect(cache.get("a").containers[0]).toMatchObject({ state: "exited", exitCode: 3 });

    await runtime.removePodSandbox(sa);
    expect(await cache.relist()).toEqual(["a"]);
    expect(cache.get("a").containers).toEqual([]);
    expect(cache.uids()).toEqual(["b"]);
  });

  it("sees a container replaced between two relists, though the pod holds as many objects in the same states", async () => {
    const runtime = new FakeRuntime({ images: [IMAGE] });
    const cache = new RuntimeCache({ runtime, log: silentLogger(), nodeName: NODE });
    const sa = await runtime.runPodSandbox(sandboxConfig("a"));
    const first = await startContainer(runtime, sa, "a", "app");
    await cache.relist();
    expect(await cache.relist()).toEqual([]);
    await runtime.stopContainer(first, 0);
    await runtime.removeContainer(first);
    const second = await startContainer(runtime, sa, "a", "app");
    expect(await cache.relist()).toEqual(["a"]);
    expect(cache.get("a").containers.map((c) => [c.id, c.state])).toEqual([[second, "running"]]);
    expect(await cache.relist()).toEqual([]);
  });

  it("podView reads one pod fresh", async () => {
    const runtime = new FakeRuntime({ images: [IMAGE] });
    const cache = new RuntimeCache({ runtime, log: silentLogger(), nodeName: NODE });
    const sa = await runtime.runPodSandbox(sandboxConfig("a"));
    const ca = await startContainer(runtime, sa, "a", "app");
    const view = await cache.podView("a");
    expect(view.containers.map((c) => c.id)).toEqual([ca]);
    // A sync's own read does not hide the change from the next relist.
    expect(await cache.relist()).toEqual(["a"]);
    await runtime.removePodSandbox(sa);
    expect((await cache.podView("a")).sandboxes).toEqual([]);
    expect(await cache.relist()).toEqual(["a"]);
    expect(cache.uids()).toEqual([]);
  });

  it("asks for a status only when the listed state changed, running and ready objects included", async () => {
    const runtime = new FakeRuntime({ images: [IMAGE] });
    const calls: string[] = [];
    const containerStatus = runtime.containerStatus.bind(runtime);
    const podSandboxStatus = runtime.podSandboxStatus.bind(runtime);
    runtime.containerStatus = (id) => (calls.push(`c:${id}`), containerStatus(id));
    runtime.podSandboxStatus = (id) => (calls.push(`s:${id}`), podSandboxStatus(id));
    const cache = new RuntimeCache({ runtime, log: silentLogger(), nodeName: NODE });
    const sa = await runtime.runPodSandbox(sandboxConfig("a"));
    const ca = await startContainer(runtime, sa, "a", "app");
    await cache.podView("a");
    expect(calls.sort()).toEqual([`c:${ca}`, `s:${sa}`]);
    calls.length = 0;
    await cache.podView("a");
    await cache.relist();
    expect(calls).toEqual([]);
    runtime.exitContainer(ca, 1);
    const view = await cache.podView("a");
    expect(calls).toEqual([`c:${ca}`]);
    expect(view.containers[0]).toMatchObject({ state: "exited", exitCode: 1 });
  });

  it("podView shares one list among concurrent reads, and a read never uses a list older than itself", async () => {
    const runtime = new FakeRuntime({ images: [IMAGE] });
    let lists = 0;
    const listContainerStates = runtime.listContainerStates.bind(runtime);
    runtime.listContainerStates = (filter) => (lists++, listContainerStates(filter));
    const cache = new RuntimeCache({ runtime, log: silentLogger(), nodeName: NODE });
    const uids = ["a", "b", "c", "d"];
    const ids = new Map<string, string>();
    for (const uid of uids) {
      const sandbox = await runtime.runPodSandbox(sandboxConfig(uid));
      ids.set(uid, await startContainer(runtime, sandbox, uid, "app"));
    }
    const views = await Promise.all(uids.map((uid) => cache.podView(uid)));
    expect(views.map((v) => v.containers.map((c) => c.id))).toEqual(uids.map((uid) => [ids.get(uid)]));
    expect(lists).toBeLessThanOrEqual(2);
    // A read that starts while a list is in flight waits for the next one, which sees the change.
    const first = cache.podView("a");
    runtime.exitContainer(ids.get("a") ?? "", 2);
    const second = cache.podView("a");
    expect((await first).containers).toHaveLength(1);
    expect((await second).containers[0]).toMatchObject({ state: "exited", exitCode: 2 });
  });
});
