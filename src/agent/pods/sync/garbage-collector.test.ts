import { describe, expect, it } from "vitest";
import { ManualClock, silentLogger } from "../../../common/index.js";
import { FakeRuntime } from "../../../runtime/fake/index.js";
import { containerLabels, sandboxLabels, type PodSandboxConfig } from "../../../runtime/index.js";
import { LABEL_NODE_NAME } from "../constants.js";
import { collectGarbage } from "./garbage-collector.js";

const IMAGE = "registry.test/busybox:1";
const NODE = "node-1";

function sandboxConfig(uid: string, attempt: number): PodSandboxConfig {
  const pod = { name: `pod-${uid}`, namespace: "default", uid };
  return {
    metadata: { ...pod, attempt },
    logDirectory: `/logs/${uid}`,
    portMappings: [],
    labels: { ...sandboxLabels(pod), [LABEL_NODE_NAME]: NODE },
    annotations: {},
    namespaceOptions: { network: "POD", pid: "CONTAINER", ipc: "POD" },
    sysctls: {},
  };
}

async function exited(
  runtime: FakeRuntime,
  clock: ManualClock,
  sandboxId: string,
  uid: string,
  attempt: number,
): Promise<string> {
  const config = sandboxConfig(uid, 0);
  const id = await runtime.createContainer(
    sandboxId,
    {
      metadata: { name: "app", attempt },
      image: { image: IMAGE },
      command: ["false"],
      args: [],
      envs: [],
      mounts: [],
      labels: { ...containerLabels(config.metadata, "app"), [LABEL_NODE_NAME]: NODE },
      annotations: {},
      logPath: `app/${attempt}.log`,
    },
    config,
  );
  await runtime.startContainer(id);
  await clock.advance(1);
  return id;
}

describe("collectGarbage", () => {
  it("keeps the newest dead container per (pod, name) and the newest sandbox, and leaves gone pods alone", async () => {
    const clock = new ManualClock();
    const runtime = new FakeRuntime({ clock, images: [IMAGE] });
    const old = await runtime.runPodSandbox(sandboxConfig("live", 0));
    await runtime.stopPodSandbox(old);
    await clock.advance(1);
    const current = await runtime.runPodSandbox(sandboxConfig("live", 1));
    const ids = [];
    for (let attempt = 0; attempt < 3; attempt++)
      ids.push(await exited(runtime, clock, current, "live", attempt));
    const gone = await runtime.runPodSandbox(sandboxConfig("gone", 0));
    await exited(runtime, clock, gone, "gone", 0);
    await exited(runtime, clock, gone, "gone", 1);

    const result = await collectGarbage(runtime, NODE, (uid) => uid === "live", clock.now(), silentLogger());
    expect(result).toEqual({ containers: 2, sandboxes: 1 });
    const left = await runtime.listContainers({ labelSelector: { "io.kubernetes.pod.uid": "live" } });
    expect(left.map((c) => c.id)).toEqual([ids[2]]);
    expect((await runtime.listPodSandboxes()).map((s) => s.id).sort()).toEqual([current, gone].sort());
    expect(await runtime.listContainers({ labelSelector: { "io.kubernetes.pod.uid": "gone" } })).toHaveLength(
      2,
    );
    // A second pass has nothing left to do.
    expect(await collectGarbage(runtime, NODE, (uid) => uid === "live", clock.now(), silentLogger())).toEqual(
      {
        containers: 0,
        sandboxes: 0,
      },
    );
  });
});
