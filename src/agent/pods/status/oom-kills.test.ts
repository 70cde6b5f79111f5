import type { IPod, IPodStatus } from "kubernetes-models/v1";
import { describe, expect, it } from "vitest";
import { silentLogger } from "../../../common/index.js";
import type { ContainerState, ContainerStatus } from "../../../runtime/index.js";
import { PodOomKills } from "./oom-kills.js";
import type { RuntimePodView } from "./pod-status.js";

function makePod(opts: { status?: IPodStatus; deleted?: boolean } = {}): IPod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: "eater",
      namespace: "ns",
      uid: "uid-1",
      ...(opts.deleted === true ? { deletionTimestamp: "2026-12-04T01:00:00Z" } : {}),
    },
    spec: { containers: [{ name: "eat", image: "busybox" }] },
    ...(opts.status === undefined ? {} : { status: opts.status }),
  };
}

function container(id: string, state: ContainerState, exitCode = 0, reason = ""): ContainerStatus {
  return {
    id,
    podSandboxId: "sb1",
    metadata: { name: "eat", attempt: 0 },
    image: { image: "busybox" },
    imageRef: "sha256:busybox",
    state,
    createdAt: 1n,
    labels: {},
    annotations: {},
    startedAt: 2n,
    finishedAt: state === "exited" ? 3n : 0n,
    exitCode,
    reason,
    message: "",
    mounts: [],
    logPath: "",
  };
}

const view = (...containers: ContainerStatus[]): RuntimePodView => ({ sandboxes: [], containers });

/** A PodOomKills over a counter the test moves, as the kernel moves the pod cgroup's count. */
function tracker(start: number | undefined = 0): {
  oom: PodOomKills;
  counter: { value: number | undefined };
} {
  const counter = { value: start };
  return { oom: new PodOomKills(async () => counter.value, silentLogger()), counter };
}

function reasons(v: RuntimePodView): string[] {
  return v.containers.map((c) => c.reason);
}

describe("PodOomKills", () => {
  it("a SIGKILL without the runtime's OOMKilled, while the pod cgroup's count moved: OOMKilled", async () => {
    const { oom, counter } = tracker(3);
    const pod = makePod();
    await oom.beginSync(pod);
    expect(reasons(await oom.attribute(pod, view(container("c1", "running"))))).toEqual([""]);
    counter.value = 5;
    await oom.beginSync(pod);
    const seen = await oom.attribute(pod, view(container("c1", "exited", 137, "Error")));
    expect(seen.containers[0]).toMatchObject({ reason: "OOMKilled", exitCode: 137 });
    // Decided once: a later sync keeps it, whatever the count does.
    await oom.beginSync(pod);
    expect(reasons(await oom.attribute(pod, view(container("c1", "exited", 137, "Error"))))).toEqual([
      "OOMKilled",
    ]);
  });

  it("the count moved after the read of the sync before, between its reads of the runtime", async () => {
    const { oom, counter } = tracker(0);
    const pod = makePod();
    await oom.beginSync(pod);
    await oom.attribute(pod, view(container("c1", "running")));
    // The kill lands after this sync's start-of-sync read: the window still starts a sync earlier.
    await oom.beginSync(pod);
    counter.value = 1;
    const seen = await oom.attribute(pod, view(container("c1", "exited", 137, "")));
    expect(reasons(seen)).toEqual(["OOMKilled"]);
  });

  it("a pod's first sync opens the window with its own read (a container that dies at once)", async () => {
    const { oom, counter } = tracker(0);
    const pod = makePod();
    await oom.beginSync(pod);
    counter.value = 1;
    expect(reasons(await oom.attribute(pod, view(container("c1", "exited", 137, "Error"))))).toEqual([
      "OOMKilled",
    ]);
  });

  it("the count did not move: the runtime's Error stands", async () => {
    const { oom } = tracker(7);
    const pod = makePod();
    await oom.beginSync(pod);
    await oom.attribute(pod, view(container("c1", "running")));
    await oom.beginSync(pod);
    expect(reasons(await oom.attribute(pod, view(container("c1", "exited", 137, "Error"))))).toEqual([
      "Error",
    ]);
  });

  it("other exits, the runtime's own OOMKilled, and a count it cannot read are left alone", async () => {
    const { oom, counter } = tracker(0);
    const pod = makePod();
    await oom.beginSync(pod);
    counter.value = 9;
    await oom.beginSync(pod);
    const seen = await oom.attribute(
      pod,
      view(
        container("c1", "exited", 1, "Error"),
        container("c2", "exited", 137, "OOMKilled"),
        container("c3", "running"),
      ),
    );
    expect(reasons(seen)).toEqual(["Error", "OOMKilled", ""]);

    const unreadable = tracker(undefined);
    await unreadable.oom.beginSync(pod);
    await unreadable.oom.beginSync(pod);
    expect(reasons(await unreadable.oom.attribute(pod, view(container("c4", "exited", 137))))).toEqual([""]);
  });

  it("a container the agent stopped, or one of a deleted pod, is never an OOM kill", async () => {
    const { oom, counter } = tracker(0);
    const pod = makePod();
    await oom.beginSync(pod);
    oom.stoppedByAgent("c1");
    counter.value = 1;
    await oom.beginSync(pod);
    expect(reasons(await oom.attribute(pod, view(container("c1", "exited", 137, "Error"))))).toEqual([
      "Error",
    ]);
    counter.value = 2;
    const deleted = makePod({ deleted: true });
    await oom.beginSync(deleted);
    expect(reasons(await oom.attribute(deleted, view(container("c2", "exited", 137, "Error"))))).toEqual([
      "Error",
    ]);
  });

  it("after an agent restart, a termination the status already reported OOMKilled stays so", async () => {
    const { oom } = tracker(4);
    const status: IPodStatus = {
      containerStatuses: [
        {
          name: "eat",
          image: "busybox",
          imageID: "",
          ready: false,
          restartCount: 1,
          state: { running: {} },
          lastState: { terminated: { exitCode: 137, reason: "OOMKilled", containerID: "containerd://c1" } },
        },
      ],
    };
    const pod = makePod({ status });
    await oom.beginSync(pod);
    const seen = await oom.attribute(
      pod,
      view(container("c1", "exited", 137, "Error"), container("c0", "exited", 137, "Error")),
    );
    expect(reasons(seen)).toEqual(["OOMKilled", "Error"]);
  });

  it("forgets a pod: its containers are decided again", async () => {
    const { oom, counter } = tracker(0);
    const pod = makePod();
    await oom.beginSync(pod);
    counter.value = 1;
    await oom.attribute(pod, view(container("c1", "exited", 137)));
    oom.forget("uid-1", ["c1"]);
    await oom.beginSync(pod);
    expect(reasons(await oom.attribute(pod, view(container("c1", "exited", 137))))).toEqual([""]);
  });
});
