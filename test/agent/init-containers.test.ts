/**
 * Init containers: run in order, each to completion, before the app containers; a failing one is
 * restarted (pod Pending, Initialized False with ContainersNotInitialized) unless restartPolicy is
 * Never, which fails the pod.
 */
import { describe, it } from "vitest";
import { RUNTIMES } from "../support/cluster.js";
import { useCluster } from "../support/cluster-vitest.js";
import {
  FOREVER,
  condition,
  initStatus,
  kubectlPodRow,
  phaseIs,
  pod,
  runningAndReady,
  shell,
  waitingReason,
} from "./pods.js";

const WORK = { volumeMounts: [{ name: "work", mountPath: "/work" }] };

describe.each(RUNTIMES)("init containers on %s", (runtime) => {
  const cluster = useCluster(runtime);

  it.concurrent("all succeed, in order, then the app runs", { timeout: 60_000 }, async ({ expect }) => {
    await cluster().createPod(
      pod("init-ok", {
        volumes: [{ name: "work", emptyDir: {} }],
        initContainers: [
          shell("first", "echo first > /work/order", WORK),
          // fails unless the first one has run to completion before it
          shell("second", "grep -qx first /work/order && echo second >> /work/order", WORK),
        ],
        containers: [shell("app", `grep -qx second /work/order || exit 1; ${FOREVER}`, WORK)],
      }),
    );
    const p = await cluster().waitForPod("init-ok", runningAndReady, "Running and ready", 45_000);
    for (const name of ["first", "second"]) {
      const s = initStatus(p, name);
      expect(s?.state?.terminated).toMatchObject({ exitCode: 0, reason: "Completed" });
      expect(s?.restartCount).toBe(0);
      expect(s?.ready).toBe(true);
    }
    expect(p.status?.containerStatuses?.[0]?.restartCount).toBe(0);
    expect(condition(p, "Initialized")?.status).toBe("True");
    expect(condition(p, "Ready")?.status).toBe("True");
  });

  it.concurrent(
    "a failing init container restarts under Always: Pending, ContainersNotInitialized",
    { timeout: 90_000 },
    async ({ expect }) => {
      await cluster().createPod(
        pod("init-fails-always", {
          restartPolicy: "Always",
          initContainers: [shell("setup", "exit 3")],
          containers: [shell("app", FOREVER)],
        }),
      );
      // the first restart comes after the 10 s CrashLoopBackOff
      const p = await cluster().waitForPod(
        "init-fails-always",
        (p) => (initStatus(p, "setup")?.restartCount ?? 0) >= 1,
        "init container restarted",
        75_000,
      );
      expect(p.status?.phase).toBe("Pending");
      expect(condition(p, "Initialized")).toMatchObject({
        status: "False",
        reason: "ContainersNotInitialized",
        message: "containers with incomplete status: [setup]",
      });
      expect(condition(p, "Ready")?.status).toBe("False");
      expect(waitingReason(p, "app")).toBe("PodInitializing");
      const setup = initStatus(p, "setup");
      const last = setup?.lastState?.terminated ?? setup?.state?.terminated;
      expect(last).toMatchObject({ exitCode: 3, reason: "Error" });
      // running again, failed, or backing off, depending on the moment kubectl looks
      const row = await kubectlPodRow((...a) => cluster().kubectl(...a), "init-fails-always");
      expect(row["READY"]).toBe("0/1");
      expect(row["STATUS"]).toMatch(/^Init:(0\/1|Error|CrashLoopBackOff)$/);
    },
  );

  it.concurrent(
    "a failing init container fails the pod under Never",
    { timeout: 60_000 },
    async ({ expect }) => {
      await cluster().createPod(
        pod("init-fails-never", {
          restartPolicy: "Never",
          initContainers: [shell("setup", "exit 3")],
          containers: [shell("app", FOREVER)],
        }),
      );
      const p = await cluster().waitForPod("init-fails-never", phaseIs("Failed"), "Failed", 45_000);
      const setup = initStatus(p, "setup");
      expect(setup?.restartCount).toBe(0);
      expect(setup?.state?.terminated).toMatchObject({ exitCode: 3, reason: "Error" });
      expect(condition(p, "Initialized")).toMatchObject({
        status: "False",
        reason: "ContainersNotInitialized",
      });
      // the app container never ran
      const view = await cluster().runtimeView(p.metadata?.uid ?? "");
      const names = view.containers.map((c) => c.metadata.name);
      expect(names).not.toContain("app");
      const row = await kubectlPodRow((...a) => cluster().kubectl(...a), "init-fails-never");
      expect(row).toMatchObject({ READY: "0/1", STATUS: "Init:Error", RESTARTS: "0" });
    },
  );
});
