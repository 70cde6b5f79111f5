/**
 * Sidecars (init containers with restartPolicy Always): a Job-like pod ends when its regular
 * container finishes, its sidecars stopped after it (the last declared first), and it is
 * Succeeded; a sidecar that crash-loops does not hold back the app's restart.
 */
import { describe, it } from "vitest";
import { RUNTIMES } from "../support/cluster.js";
import { useCluster } from "../support/cluster-vitest.js";
import { FOREVER, containerStatus, initStatus, kubectlPodRow, phaseIs, pod, shell } from "./pods.js";

/** A sidecar that exits 0 on SIGTERM, so its finish time tells when it was stopped. */
function sidecar(name: string): ReturnType<typeof shell> {
  return shell(name, FOREVER, { restartPolicy: "Always" });
}

describe.each(RUNTIMES)("sidecars on %s", (runtime) => {
  const cluster = useCluster(runtime);

  it.concurrent(
    "a Job-like pod with sidecars completes: Succeeded, sidecars stopped in reverse order",
    async ({ expect }) => {
      await cluster().createPod(
        pod("sidecar-job", {
          restartPolicy: "Never",
          terminationGracePeriodSeconds: 10,
          initContainers: [sidecar("first"), sidecar("second")],
          containers: [shell("job", "sleep 2; echo done")],
        }),
      );
      const p = await cluster().waitForPod("sidecar-job", phaseIs("Succeeded"), "Succeeded", 60_000);
      expect(containerStatus(p, "job")?.state?.terminated).toMatchObject({
        exitCode: 0,
        reason: "Completed",
      });
      for (const name of ["first", "second"]) {
        expect(initStatus(p, name)?.state?.terminated, name).toBeDefined();
        expect(initStatus(p, name)?.restartCount, name).toBe(0);
      }
      // each sidecar trapped SIGTERM and exited 0; the later one was stopped first
      const first = initStatus(p, "first")?.state?.terminated;
      const second = initStatus(p, "second")?.state?.terminated;
      expect(first?.exitCode).toBe(0);
      expect(second?.exitCode).toBe(0);
      expect(Date.parse(String(second?.finishedAt))).toBeLessThanOrEqual(
        Date.parse(String(first?.finishedAt)),
      );
      const row = await kubectlPodRow((...a) => cluster().kubectl(...a), "sidecar-job");
      // kubectl counts sidecars with the regular containers
      expect(row).toMatchObject({ READY: "0/3", STATUS: "Completed" });
      await cluster().deletePod("sidecar-job");
    },
  );

  it.concurrent("a sidecar in backoff does not hold back the app's restart", async ({ expect }) => {
    await cluster().createPod(
      pod("sidecar-backoff", {
        restartPolicy: "Always",
        volumes: [{ name: "runs", emptyDir: {} }],
        initContainers: [shell("flaky", "sleep 1; exit 1", { restartPolicy: "Always" })],
        containers: [
          shell(
            "app",
            // fails 4 s into its first run, then runs forever
            `n=$(( $(cat /runs/count 2>/dev/null || echo 0) + 1 )); echo $n > /runs/count; [ $n -eq 1 ] && { sleep 4; exit 1; }; ${FOREVER}`,
            { volumeMounts: [{ name: "runs", mountPath: "/runs" }] },
          ),
        ],
      }),
    );
    const failed = await cluster().waitForPod(
      "sidecar-backoff",
      (p) =>
        containerStatus(p, "app")?.lastState?.terminated !== undefined ||
        containerStatus(p, "app")?.state?.terminated !== undefined,
      "app failed once",
      60_000,
    );
    const app = containerStatus(failed, "app");
    const finishedAt = Date.parse(String((app?.state?.terminated ?? app?.lastState?.terminated)?.finishedAt));
    const again = await cluster().waitForPod(
      "sidecar-backoff",
      (p) =>
        containerStatus(p, "app")?.restartCount === 1 &&
        containerStatus(p, "app")?.state?.running !== undefined,
      "app running again",
      60_000,
    );
    const startedAt = Date.parse(String(containerStatus(again, "app")?.state?.running?.startedAt));
    // the app's own backoff is 10 s; the sidecar's (10 s, then 20 s, 40 s) must not add to it
    expect(startedAt - finishedAt).toBeLessThan(18_000);
    expect(initStatus(again, "flaky")?.restartCount).toBeGreaterThanOrEqual(1);
    await cluster().deletePod("sidecar-backoff");
  });
});
