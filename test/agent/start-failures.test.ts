/**
 * A container whose start fails (its command does not exist): the runtime's termination in
 * lastState, restartCount counting the attempts, RunContainerError with the runtime's message, then
 * CrashLoopBackOff and the next attempt about 10 s later (kubelet: the crash backoff keyed on the
 * exited container). On Docker the termination is cri-dockerd's ContainerCannotRun (exit 127), on
 * containerd its own StartError (exit 128).
 */
import type { IPod } from "kubernetes-models/v1";
import { describe, it } from "vitest";
import { RUNTIMES } from "../support/cluster.js";
import { useCluster } from "../support/cluster-vitest.js";
import { testEnv } from "../support/env.js";
import { containerStatus, pod } from "./pods.js";

const TERMINATION = {
  docker: { reason: "ContainerCannotRun", exitCode: 127 },
  containerd: { reason: "StartError", exitCode: 128 },
} as const;

describe.each(RUNTIMES)("start failures on %s", (runtime) => {
  const cluster = useCluster(runtime);

  it("a command that does not exist: RunContainerError, the runtime's termination, restarts counted, retried after the backoff", async ({
    expect,
  }) => {
    await cluster().createPod(
      pod("cannot-run", {
        containers: [{ name: "app", image: testEnv.testImage(), command: ["/does-not-exist"] }],
      }),
    );
    // Every version the watch delivers, as the waiting reasons in the order first seen.
    const seen: { reason: string; restartCount: number; ms: number }[] = [];
    const start = performance.now();
    const p = await cluster().waitForPod(
      "cannot-run",
      (p: IPod) => {
        const s = containerStatus(p, "app");
        const reason = s?.state?.waiting?.reason;
        const restartCount = s?.restartCount ?? 0;
        const last = seen.at(-1);
        if (reason !== undefined && (last?.reason !== reason || last.restartCount !== restartCount))
          seen.push({ reason, restartCount, ms: performance.now() - start });
        return reason === "RunContainerError" && seen.some((e) => e.reason === "CrashLoopBackOff");
      },
      "a failed start after the backoff",
      60_000,
    );
    const s = containerStatus(p, "app");
    expect(s?.state?.waiting?.message).toContain("/does-not-exist");
    expect(s?.lastState?.terminated).toMatchObject(TERMINATION[runtime]);
    expect(s?.lastState?.terminated?.message).toContain("/does-not-exist");
    // The second attempt follows the first at once (no backoff entry yet), the third waits it out.
    const backoff = seen.find((e) => e.reason === "CrashLoopBackOff");
    const after = seen.at(-1);
    expect(backoff?.restartCount).toBe(1);
    expect(after?.restartCount).toBe(2);
    expect((after?.ms ?? 0) - (backoff?.ms ?? 0)).toBeGreaterThan(8_000);
    expect((after?.ms ?? 0) - (backoff?.ms ?? 0)).toBeLessThan(20_000);
    await cluster().deletePod("cannot-run");
  });
});
