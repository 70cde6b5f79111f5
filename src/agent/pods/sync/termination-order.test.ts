import type { IPod } from "kubernetes-models/v1";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../common/index.js";
import { LABEL_CONTAINER_NAME, type ContainerStatus } from "../../../runtime/index.js";
import { stopInTerminationOrder } from "./termination-order.js";

function status(name: string): ContainerStatus {
  return {
    id: `id-${name}`,
    podSandboxId: "s",
    metadata: { name, attempt: 0 },
    image: { image: "img" },
    imageRef: "",
    state: "running",
    createdAt: 1n,
    labels: { [LABEL_CONTAINER_NAME]: name },
    annotations: {},
    startedAt: 1n,
    finishedAt: 0n,
    exitCode: 0,
    reason: "",
    message: "",
    mounts: [],
    logPath: "",
  };
}

const pod: IPod = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "p", uid: "u" },
  spec: {
    initContainers: [
      { name: "side1", image: "img", restartPolicy: "Always" },
      { name: "side2", image: "img", restartPolicy: "Always" },
    ],
    containers: [
      { name: "a", image: "img" },
      { name: "b", image: "img" },
    ],
  },
};

describe("stopInTerminationOrder", () => {
  it("stops regular containers together, then sidecars last-declared first, with the grace left", async () => {
    const clock = new ManualClock();
    const log: string[] = [];
    const pending = new Map<string, () => void>();
    const stop = (c: ContainerStatus, grace: number): Promise<void> => {
      const name = c.metadata.name;
      log.push(`stop ${name} ${grace}`);
      return new Promise((resolve) => pending.set(name, resolve));
    };
    const finish = async (name: string): Promise<void> => {
      pending.get(name)?.();
      pending.delete(name);
      for (let i = 0; i < 5; i++) await Promise.resolve();
    };
    const targets = ["side1", "a", "side2", "b"].map(status);
    const done = stopInTerminationOrder({ pod, targets, graceSeconds: 30, clock, statusOf: (c) => c, stop });
    await finish("none");
    expect(log).toEqual(["stop a 30", "stop b 30"]);
    await clock.advance(7_500);
    await finish("a");
    expect(log).toHaveLength(2);
    await finish("b");
    expect(log).toEqual(["stop a 30", "stop b 30", "stop side2 23"]);
    await clock.advance(25_000);
    await finish("side2");
    // 32.5 s have passed: the last sidecar still gets the kubelet's minimum
    expect(log.at(-1)).toBe("stop side1 2");
    await finish("side1");
    await done;
  });

  it("keeps a forced stop (grace 0) at 0 for sidecars too", async () => {
    const grace: number[] = [];
    await stopInTerminationOrder({
      pod,
      targets: [status("side1"), status("a")],
      graceSeconds: 0,
      clock: new ManualClock(),
      statusOf: (c) => c,
      stop: async (_c, g) => {
        grace.push(g);
      },
    });
    expect(grace).toEqual([0, 0]);
  });
});
