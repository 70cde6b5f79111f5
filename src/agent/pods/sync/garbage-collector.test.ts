import { describe, expect, it } from "vitest";
import { ManualClock, silentLogger } from "../../../common/index.js";
import { FakeRuntime } from "../../../runtime/fake/index.js";
import { containerLabels, sandboxLabels, type PodSandboxConfig } from "../../../runtime/index.js";
import { LABEL_NODE_NAME } from "../constants.js";
import { collectGarbage } from "./garbage-collector.js";

const IMAGE = "registry.test/busybox:1";
const NODE = "node-1";
const OTHER_NODE = "node-2";

function sandboxConfig(uid: string, attempt: number, node = NODE): PodSandboxConfig {
  const pod = { name: `pod-${uid}`, namespace: "default", uid };
  return {
    metadata: { ...pod, attempt },
    logDirectory: `/logs/${uid}`,
    portMappings: [],
    labels: { ...sandboxLabels(pod), [LABEL_NODE_NAME]: node },
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
  node = NODE,
): Promise<string> {
  const config = sandboxConfig(uid, 0, node);
  const id = await runtime.createContainer(
    sandboxId,
    {
      metadata: { name: "app", attempt },
      image: { image: IMAGE },
      command: ["false"],
      args: [],
      envs: [],
      mounts: [],
      labels: { ...containerLabels(config.metadata, "app"), [LABEL_NODE_NAME]: node },
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

  it("leaves another node's dead containers and sandboxes alone, even for a pod it calls live", async () => {
    const clock = new ManualClock();
    const runtime = new FakeRuntime({ clock, images: [IMAGE] });
    // The same shape on both nodes: an old stopped sandbox, a current one, three dead containers.
    const made = new Map<string, { old: string; current: string; containers: string[] }>();
    for (const node of [NODE, OTHER_NODE]) {
      const uid = `pod-on-${node}`;
      const old = await runtime.runPodSandbox(sandboxConfig(uid, 0, node));
      await runtime.stopPodSandbox(old);
      await clock.advance(1);
      const current = await runtime.runPodSandbox(sandboxConfig(uid, 1, node));
      const containers = [];
      for (let attempt = 0; attempt < 3; attempt++)
        containers.push(await exited(runtime, clock, current, uid, attempt, node));
      made.set(node, { old, current, containers });
    }

    const result = await collectGarbage(runtime, NODE, () => true, clock.now(), silentLogger());
    expect(result).toEqual({ containers: 2, sandboxes: 1 });
    const mine = made.get(NODE);
    const theirs = made.get(OTHER_NODE);
    const uidOf = (node: string) => ({ labelSelector: { "io.kubernetes.pod.uid": `pod-on-${node}` } });
    expect((await runtime.listContainers(uidOf(NODE))).map((c) => c.id)).toEqual([mine?.containers[2]]);
    expect((await runtime.listContainers(uidOf(OTHER_NODE))).map((c) => c.id).sort()).toEqual(
      [...(theirs?.containers ?? [])].sort(),
    );
    expect((await runtime.listPodSandboxes(uidOf(OTHER_NODE))).map((s) => s.id).sort()).toEqual(
      [theirs?.old, theirs?.current].sort(),
    );
  });
});
