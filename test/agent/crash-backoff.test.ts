/**
 * CrashLoopBackOff as the kubelet keeps it, seen through the API and kubectl at a container's fifth
 * crash. The agent runs with a 1 s first delay (the harness's BERTH_TEST_CRASH_BACKOFF_INITIAL) so
 * that the fifth crash comes in seconds: 1 s, 2 s, 4 s, then "back-off 8s" in the kubelet's words.
 * The real 10 s base is the default and has its own tests (restart-policy, the pod manager's).
 */
import { describe, it } from "vitest";
import { RUNTIMES } from "../support/cluster.js";
import { useCluster } from "../support/cluster-vitest.js";
import { containerStatus, kubectlPodRow, pod, shell, uidOf } from "./pods.js";

describe.each(RUNTIMES)("crash backoff on %s", (runtime) => {
  const cluster = useCluster(runtime, { crashBackoffInitial: "1s" });

  it("the fifth crash: back-off 8s restarting failed container, CrashLoopBackOff in kubectl", async ({
    expect,
  }) => {
    const created = await cluster().createPod(
      pod("crashes", { restartPolicy: "Always", containers: [shell("app", "exit 1")] }),
    );
    const p = await cluster().waitForPod(
      "crashes",
      (p) =>
        containerStatus(p, "app")?.restartCount === 4 &&
        containerStatus(p, "app")?.state?.waiting?.reason === "CrashLoopBackOff",
      "the fifth crash backing off",
      60_000,
    );
    const app = containerStatus(p, "app");
    expect(app?.state?.waiting?.message).toBe(
      `back-off 8s restarting failed container=app pod=crashes_default(${uidOf(created)})`,
    );
    expect(app?.lastState?.terminated).toMatchObject({ exitCode: 1, reason: "Error" });
    const row = await kubectlPodRow((...a) => cluster().kubectl(...a), "crashes");
    expect(row).toMatchObject({ READY: "0/1", STATUS: "CrashLoopBackOff" });
    expect(row["RESTARTS"]).toMatch(/^4 /);
    await cluster().deletePod("crashes");
  });
});
