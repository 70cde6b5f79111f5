import { describe, expect, it } from "vitest";
import type { KubeObject } from "./object.js";
import { podTable, summarizePod } from "./pod-table.js";

const NOW = new Date("2026-01-01T01:00:00Z");

function pod(status: Record<string, unknown>, extra: Partial<KubeObject> = {}): KubeObject {
  return {
    metadata: { name: "p", creationTimestamp: "2026-01-01T00:00:00Z" },
    spec: { containers: [{ name: "a" }, { name: "b" }] },
    status,
    ...extra,
  };
}

describe("pod table", () => {
  it("prints ready counts, restarts with their age, and wide columns", () => {
    const p = pod({
      phase: "Running",
      podIP: "10.1.0.4",
      conditions: [{ type: "Ready", status: "False" }],
      containerStatuses: [
        {
          name: "a",
          ready: true,
          restartCount: 2,
          state: { running: {} },
          lastState: { terminated: { finishedAt: "2026-01-01T00:55:00Z" } },
        },
        { name: "b", ready: false, restartCount: 1, state: { waiting: { reason: "CrashLoopBackOff" } } },
      ],
    });
    expect(podTable.cells(p, NOW)).toEqual([
      "p",
      "1/2",
      "CrashLoopBackOff",
      "3 (5m ago)",
      "60m",
      "10.1.0.4",
      "<none>",
      "<none>",
      "<none>",
    ]);
  });

  it("names init progress, exit codes, and Terminating", () => {
    const init = pod(
      {
        phase: "Pending",
        initContainerStatuses: [
          { name: "i", restartCount: 0, state: { waiting: { reason: "PodInitializing" } } },
        ],
      },
      { spec: { initContainers: [{ name: "i" }, { name: "j" }], containers: [{ name: "a" }] } },
    );
    expect(summarizePod(init).status).toBe("Init:0/2");
    const exited = pod({
      phase: "Failed",
      containerStatuses: [{ name: "a", state: { terminated: { exitCode: 3 } } }],
    });
    expect(summarizePod(exited).status).toBe("ExitCode:3");
    const deleting = pod(
      { phase: "Running" },
      { metadata: { name: "p", deletionTimestamp: "2026-01-01T00:59:00Z" } },
    );
    expect(summarizePod(deleting).status).toBe("Terminating");
  });
});
