import type { IPod } from "kubernetes-models/v1";
import { describe, expect, it } from "vitest";
import { silentLogger } from "../../common/index.js";
import { MemoryEventRecorder } from "../events/index.js";
import { Prober } from "./prober.js";
import { runProbeHandler } from "./run-handler.js";
import { resolveProbe } from "./spec.js";

const container = { name: "c" };
const pod: IPod = { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "ns", uid: "u" } };

/** An exec that hangs until the test ends it with an exit code. */
function hangingExec() {
  const calls: ((exitCode: number) => void)[] = [];
  const runtime = {
    execSync: () =>
      new Promise<{ exitCode: number; stdout: Buffer; stderr: Buffer }>((resolve) =>
        calls.push((exitCode) => resolve({ exitCode, stdout: Buffer.from("down"), stderr: Buffer.alloc(0) })),
      ),
  };
  return { runtime, calls };
}

describe("runProbeHandler with a signal", () => {
  it("does not start a handler whose signal is already aborted", async () => {
    const { runtime, calls } = hangingExec();
    const signal = AbortSignal.abort(new Error("worker stopped"));
    await expect(
      runProbeHandler(
        runtime,
        { kind: "exec", command: ["check"] },
        { container, containerId: "a", podIP: undefined, signal },
        1,
      ),
    ).rejects.toThrow("worker stopped");
    expect(calls.length).toBe(0);
  });

  it("ends the wait at the abort while the handler is in flight", async () => {
    const { runtime, calls } = hangingExec();
    const stop = new AbortController();
    const run = runProbeHandler(
      runtime,
      { kind: "exec", command: ["check"] },
      { container, containerId: "a", podIP: undefined, signal: stop.signal },
      1,
    );
    await Promise.resolve();
    expect(calls.length).toBe(1);
    stop.abort(new Error("worker stopped"));
    await expect(run).rejects.toThrow("worker stopped");
    calls[0]?.(0);
  });
});

describe("Prober with a stopped worker", () => {
  it("records no event and gives no verdict for a probe whose worker stopped", async () => {
    const { runtime, calls } = hangingExec();
    const recorder = new MemoryEventRecorder();
    const prober = new Prober({ runtime, recorder, log: silentLogger() });
    const stop = new AbortController();
    const spec = resolveProbe({ exec: { command: ["check"] } }, "readiness");
    const verdict = prober.probe(
      "readiness",
      { pod, container, containerId: "a", podIP: undefined, init: false, signal: stop.signal },
      spec,
    );
    await Promise.resolve();
    stop.abort();
    expect(await verdict).toBeUndefined();
    calls[0]?.(1);
    expect(recorder.events).toEqual([]);
    // The same failure with the worker running is an Unhealthy event.
    const live = prober.probe(
      "readiness",
      { pod, container, containerId: "a", podIP: undefined, init: false },
      spec,
    );
    await Promise.resolve();
    calls[1]?.(1);
    expect(await live).toBe("failure");
    expect(recorder.events.map((e) => e.reason)).toEqual(["Unhealthy"]);
  });
});
