/**
 * Probes and lifecycle hooks, sharing one cluster per runtime. Probes after the upstream
 * conformance file test/e2e/common/node/container_probe.go, with short
 * periods: readiness with an initial delay and readiness that never succeeds (never restarted),
 * exec, http and tcp liveness that fail (restarted, the count growing), tcp liveness that passes
 * (exec, http and tcp liveness passing for a minute of fake time: src/agent/probes/manager.test.ts),
 * repeated Unhealthy events counted on one Event, an exec probe
 * that times out, startup gating liveness, http redirects (same host followed; another host a
 * success with ProbeWarning), grpc against the grpc-health image, and Ready turning false as soon
 * as deletion starts. Hooks after lifecycle_hook.go: postStart and preStop with exec (writing to a
 * hostPath, so the order poststart, prestop, SIGTERM shows), httpGet (to a handler pod that writes
 * request lines to the hostPath) and sleep (the deletion waits for it); a failing postStart.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import type { IContainer, IPod } from "kubernetes-models/v1";
import { afterAll, beforeAll, describe, it } from "vitest";
import { parse } from "yaml";
import { RUNTIMES } from "../support/cluster.js";
import { useCluster } from "../support/cluster-vitest.js";
import { testEnv } from "../support/env.js";
import { FOREVER, condition, containerStatus, pod, podEvents, shell, type PodEvent } from "./pods.js";

/** busybox httpd serving /www on 8080 (named port "http"), with a CGI for redirects. */
const HTTPD = [
  "mkdir -p /www/cgi-bin",
  "echo ok > /www/healthz",
  "printf '#!/bin/sh\\nprintf \"Status: 302 Found\\\\r\\\\nLocation: /healthz\\\\r\\\\n\\\\r\\\\n\"\\n' > /www/cgi-bin/local",
  "printf '#!/bin/sh\\nprintf \"Status: 302 Found\\\\r\\\\nLocation: http://127.0.0.1:8080/healthz\\\\r\\\\n\\\\r\\\\nmoved\"\\n' > /www/cgi-bin/away",
  "chmod +x /www/cgi-bin/local /www/cgi-bin/away",
  "httpd -f -p 8080 -h /www &",
].join("\n");
const HTTP_PORT = [{ name: "http", containerPort: 8080 }];

const fast = { periodSeconds: 1, timeoutSeconds: 1 };
/**
 * Exec probes get 5 s: a Docker exec (create, start, attach, inspect) takes over a second on the
 * 2-core machine under the suite's load, and a timeout is a failure.
 */
const fastExec = { periodSeconds: 1, timeoutSeconds: 5 };

function restarts(p: IPod): number {
  return containerStatus(p, "app")?.restartCount ?? 0;
}

function ready(p: IPod): boolean {
  return condition(p, "Ready")?.status === "True";
}

describe.each(RUNTIMES)("probes on %s", (runtime) => {
  const cluster = useCluster(runtime);
  const kubectl = (...a: string[]) => cluster().kubectl(...a);
  const events = (name: string): Promise<PodEvent[]> => podEvents(kubectl, name);

  /** Waits until restartCount reaches `count`, checking on the way that it never goes down. */
  async function restartedTimes(name: string, count: number, timeoutMs = 60_000): Promise<IPod> {
    let last = 0;
    return cluster().waitForPod(
      name,
      (p) => {
        const n = restarts(p);
        if (n < last) throw new Error(`restartCount went down from ${last} to ${n}`);
        last = n;
        return n >= count;
      },
      `restartCount ${count}`,
      timeoutMs,
    );
  }

  it.concurrent(
    "readiness with an initial delay: not ready before it, ready after, never restarted",
    { timeout: 90_000 },
    async ({ expect }) => {
      await cluster().createPod(
        pod("ready-delay", {
          containers: [
            shell("app", FOREVER, {
              readinessProbe: { exec: { command: ["true"] }, initialDelaySeconds: 6, ...fastExec },
            }),
          ],
        }),
      );
      const p = await cluster().waitForPod("ready-delay", ready, "Ready", 60_000);
      const app = containerStatus(p, "app");
      const startedAt = Date.parse(String(app?.state?.running?.startedAt));
      const readyAt = Date.parse(String(condition(p, "Ready")?.lastTransitionTime));
      expect(readyAt - startedAt).toBeGreaterThanOrEqual(6_000);
      expect(readyAt - startedAt).toBeLessThan(6_000 + 1_000 + 3_000);
      expect(app).toMatchObject({ ready: true, started: true, restartCount: 0 });
    },
  );

  it.concurrent(
    "readiness that never succeeds: never ready, never restarted",
    { timeout: 90_000 },
    async ({ expect }) => {
      await cluster().createPod(
        pod("ready-never", {
          containers: [
            shell("app", FOREVER, { readinessProbe: { exec: { command: ["false"] }, ...fastExec } }),
          ],
        }),
      );
      await cluster().waitForPod(
        "ready-never",
        (p) => containerStatus(p, "app")?.state?.running !== undefined,
        "running",
      );
      await new Promise((r) => setTimeout(r, 8_000));
      const p = await cluster().getPod("ready-never");
      expect(containerStatus(p, "app")).toMatchObject({ ready: false, restartCount: 0 });
      expect(condition(p, "Ready")).toMatchObject({ status: "False", reason: "ContainersNotReady" });
      const unhealthy = (await events("ready-never")).find(
        (e) => e.reason === "Unhealthy" && e.message === "Readiness probe failed: ",
      );
      expect(unhealthy?.type).toBe("Warning");
      expect(unhealthy?.involvedObject.fieldPath).toBe("spec.containers{app}");
      // every failure of the same message is one Event whose count grows
      expect(unhealthy?.count).toBeGreaterThan(1);
    },
  );

  it.concurrent(
    "exec liveness that fails: restarted with the kubelet's events, the count growing",
    { timeout: 120_000 },
    async ({ expect }) => {
      await cluster().createPod(
        pod("live-exec", {
          containers: [
            shell("app", `echo ok > /tmp/health; sleep 3; rm -f /tmp/health; ${FOREVER}`, {
              livenessProbe: {
                exec: { command: ["cat", "/tmp/health"] },
                initialDelaySeconds: 1,
                failureThreshold: 1,
                ...fastExec,
              },
            }),
          ],
        }),
      );
      await restartedTimes("live-exec", 2, 100_000);
      const all = await events("live-exec");
      expect(all.filter((e) => e.reason === "Unhealthy").map((e) => e.message)).toContain(
        "Liveness probe failed: cat: can't open '/tmp/health': No such file or directory\n",
      );
      expect(all.find((e) => e.reason === "Killing")?.message).toBe(
        "Container app failed liveness probe, will be restarted",
      );
    },
  );

  it.concurrent(
    "http and tcp liveness that fail are restarted; tcp liveness that passes is not",
    { timeout: 120_000 },
    async ({ expect }) => {
      await cluster().createPod(
        pod("live-http", {
          containers: [
            shell("app", `${HTTPD}\nsleep 3; rm /www/healthz\n${FOREVER}`, {
              ports: HTTP_PORT,
              livenessProbe: {
                httpGet: { path: "/healthz", port: "http" },
                initialDelaySeconds: 1,
                failureThreshold: 1,
                ...fast,
              },
            }),
          ],
        }),
      );
      await cluster().createPod(
        pod("live-tcp", {
          containers: [
            shell("app", `${HTTPD}\n${FOREVER}`, {
              ports: HTTP_PORT,
              livenessProbe: {
                tcpSocket: { port: "http" },
                initialDelaySeconds: 1,
                failureThreshold: 1,
                ...fast,
              },
            }),
          ],
        }),
      );
      await cluster().createPod(
        pod("live-tcp-fails", {
          containers: [
            shell("app", `${HTTPD}\nsleep 3; kill $!\n${FOREVER}`, {
              ports: HTTP_PORT,
              livenessProbe: {
                tcpSocket: { port: "http" },
                initialDelaySeconds: 1,
                failureThreshold: 1,
                ...fast,
              },
            }),
          ],
        }),
      );
      await restartedTimes("live-http", 1, 60_000);
      const tcpFailed = await restartedTimes("live-tcp-fails", 1, 60_000);
      const podIP = tcpFailed.status?.podIP ?? "";
      expect((await events("live-tcp-fails")).map((e) => e.message)).toContain(
        `Liveness probe failed: dial tcp ${podIP}:8080: connect: connection refused`,
      );
      // Under load a probe may also time out; the 404 is what the agent must have reported.
      expect((await events("live-http")).map((e) => e.message)).toContain(
        "Liveness probe failed: HTTP probe failed with statuscode: 404",
      );
      const tcp = await cluster().getPod("live-tcp");
      expect(containerStatus(tcp, "app")?.state?.running).toBeDefined();
      expect(restarts(tcp)).toBe(0);
      expect((await events("live-tcp")).filter((e) => e.reason === "Unhealthy")).toEqual([]);
    },
  );

  it.concurrent("an exec probe that times out fails", { timeout: 90_000 }, async ({ expect }) => {
    await cluster().createPod(
      pod("live-timeout", {
        containers: [
          shell("app", FOREVER, {
            livenessProbe: { exec: { command: ["sh", "-c", "sleep 10"] }, failureThreshold: 1, ...fast },
          }),
        ],
      }),
    );
    await restartedTimes("live-timeout", 1, 60_000);
    expect((await events("live-timeout")).find((e) => e.reason === "Unhealthy")?.message).toBe(
      'Liveness probe failed: command "sh -c sleep 10" timed out',
    );
  });

  it.concurrent(
    "startup gates liveness: not started, then started and ready, never restarted",
    { timeout: 90_000 },
    async ({ expect }) => {
      const created = Date.now();
      await cluster().createPod(
        pod("startup", {
          containers: [
            shell("app", `sleep 6; touch /tmp/started; ${FOREVER}`, {
              startupProbe: { exec: { command: ["cat", "/tmp/started"] }, failureThreshold: 30, ...fastExec },
              livenessProbe: { exec: { command: ["cat", "/tmp/started"] }, failureThreshold: 1, ...fastExec },
              readinessProbe: { exec: { command: ["true"] }, ...fastExec },
            }),
          ],
        }),
      );
      const running = await cluster().waitForPod(
        "startup",
        (p) => containerStatus(p, "app")?.state?.running !== undefined,
        "running",
      );
      expect(containerStatus(running, "app")).toMatchObject({ started: false, ready: false });
      const p = await cluster().waitForPod("startup", ready, "Ready", 60_000);
      expect(Date.now() - created).toBeGreaterThanOrEqual(6_000);
      expect(containerStatus(p, "app")).toMatchObject({ started: true, ready: true, restartCount: 0 });
    },
  );

  it.concurrent(
    "http redirects: same host followed; another host a success with ProbeWarning",
    { timeout: 90_000 },
    async ({ expect }) => {
      const probe = (path: string): IContainer["readinessProbe"] => ({
        httpGet: { path, port: 8080 },
        ...fast,
      });
      await cluster().createPod(
        pod("redirects", {
          containers: [
            shell("app", `${HTTPD}\n${FOREVER}`, {
              ports: HTTP_PORT,
              readinessProbe: probe("/cgi-bin/local"),
            }),
            shell("away", FOREVER, { readinessProbe: probe("/cgi-bin/away") }),
          ],
        }),
      );
      await cluster().waitForPod("redirects", ready, "Ready", 60_000);
      const warning = (await events("redirects")).find((e) => e.reason === "ProbeWarning");
      expect(warning).toMatchObject({
        type: "Warning",
        message: "Readiness probe warning: Probe terminated redirects, Response body: moved",
        involvedObject: { fieldPath: "spec.containers{away}" },
      });
    },
  );

  it.concurrent(
    "grpc: SERVING is ready; NOT_SERVING fails liveness and restarts",
    { timeout: 90_000 },
    async ({ expect }) => {
      const grpc = (name: string, args: string[], extra: Partial<IContainer>): IContainer => ({
        name,
        image: testEnv.grpcHealthImage(),
        args,
        ...extra,
      });
      await cluster().createPod(
        pod("grpc-ready", {
          containers: [
            grpc("app", ["9000", "web=SERVING"], {
              readinessProbe: { grpc: { port: 9000, service: "web" }, ...fast },
            }),
          ],
        }),
      );
      await cluster().createPod(
        pod("grpc-live", {
          containers: [
            grpc("app", ["9000", "db=NOT_SERVING"], {
              livenessProbe: {
                grpc: { port: 9000, service: "db" },
                initialDelaySeconds: 1,
                failureThreshold: 1,
                ...fast,
              },
            }),
          ],
        }),
      );
      await cluster().waitForPod("grpc-ready", ready, "Ready", 60_000);
      await restartedTimes("grpc-live", 1, 60_000);
      expect((await events("grpc-live")).map((e) => e.message)).toContain(
        'Liveness probe failed: service unhealthy (responded with "NOT_SERVING")',
      );
    },
  );

  it.concurrent(
    "the kuard-style example runs: ready through its readiness probe, not restarted",
    { timeout: 90_000 },
    async ({ expect }) => {
      const file = fileURLToPath(new URL("../../examples/kuard-probes.yaml", import.meta.url));
      const example = parse(await readFile(file, "utf8")) as IPod;
      const image = testEnv.testImage();
      for (const c of example.spec?.containers ?? []) c.image = image;
      await cluster().createPod(example);
      const p = await cluster().waitForPod("kuard", ready, "Ready", 60_000);
      expect(containerStatus(p, "kuard")).toMatchObject({ ready: true, started: true, restartCount: 0 });
    },
  );

  it.concurrent("Ready turns false as soon as deletion starts", { timeout: 90_000 }, async ({ expect }) => {
    await cluster().createPod(
      pod("unready-on-delete", {
        terminationGracePeriodSeconds: 8,
        containers: [
          shell("app", "while :; do sleep 1; done", {
            readinessProbe: { exec: { command: ["true"] }, ...fastExec },
          }),
        ],
      }),
    );
    await cluster().waitForPod("unready-on-delete", ready, "Ready", 60_000);
    const gone = cluster().waitForPodGone("unready-on-delete", 60_000);
    await kubectl("delete", "pod", "unready-on-delete", "--wait=false");
    const p = await cluster().waitForPod(
      "unready-on-delete",
      (x) => x.metadata?.deletionTimestamp !== undefined && condition(x, "Ready")?.status === "False",
      "deleting and not Ready",
      15_000,
    );
    expect(containerStatus(p, "app")?.ready).toBe(false);
    expect(containerStatus(p, "app")?.state?.running).toBeDefined();
    await gone;
  });

  it.concurrent(
    "a pod deleted at once is not probed while its containers stop",
    { timeout: 90_000 },
    async ({ expect }) => {
      const steady = { periodSeconds: 1, timeoutSeconds: 5 };
      // The preStop stops the server and PID 1 ignores SIGTERM: for the 5 s of grace the cleanup of
      // the deleted pod waits out, any probe of it fails and would record an Unhealthy event.
      await cluster().createPod(
        pod("probed-then-gone", {
          terminationGracePeriodSeconds: 5,
          containers: [
            shell("app", `${HTTPD}\nwhile :; do sleep 1; done`, {
              ports: HTTP_PORT,
              // A long timeout: a probe of the live pod that times out under load is not the failure sought.
              readinessProbe: { httpGet: { path: "/healthz", port: "http" }, ...steady },
              livenessProbe: { tcpSocket: { port: "http" }, ...steady },
              lifecycle: { preStop: { exec: { command: ["sh", "-c", "kill $(pidof httpd)"] } } },
            }),
          ],
        }),
      );
      const p = await cluster().waitForPod("probed-then-gone", ready, "Ready", 60_000);
      const uid = p.metadata?.uid ?? "";
      const unhealthy = async (): Promise<number> =>
        (await events("probed-then-gone"))
          .filter((e) => e.reason === "Unhealthy")
          .reduce((n, e) => n + (e.count ?? 1), 0);
      const before = await unhealthy();
      await kubectl("delete", "pod", "probed-then-gone", "--grace-period=0", "--force");
      await cluster().waitForPodGone("probed-then-gone", 30_000);
      const deadline = Date.now() + 45_000;
      for (;;) {
        const left = await cluster().leftoversOf([uid]);
        if (left.containers.length === 0 && left.sandboxes.length === 0) break;
        if (Date.now() > deadline) throw new Error(`pod ${uid} not cleaned up: ${JSON.stringify(left)}`);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      // The agent writes events asynchronously: give a late one time to arrive.
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      expect(await unhealthy()).toBe(before);
    },
  );

  describe("lifecycle hooks", () => {
    let hostDir = "";
    beforeAll(async () => {
      hostDir = await mkdtemp(join(tmpdir(), `berth-hooks-${runtime}-`));
    });
    afterAll(async () => {
      await rm(hostDir, { recursive: true, force: true });
    });
    const TRAPS_TERM = "trap 'echo term >> /hooks/log; exit 0' TERM; while :; do sleep 1 & wait $!; done";

    /** Deletes the pod and waits until it is gone; the milliseconds it took. */
    async function deleted(name: string): Promise<number> {
      const gone = cluster().waitForPodGone(name, 60_000);
      const start = performance.now();
      await kubectl("delete", "pod", name, "--wait=false");
      await gone;
      return performance.now() - start;
    }

    it.concurrent(
      "exec postStart and preStop run in order: poststart, prestop, then SIGTERM",
      { timeout: 90_000 },
      async ({ expect }) => {
        await cluster().createPod(
          pod("hooks-exec", {
            terminationGracePeriodSeconds: 10,
            volumes: [{ name: "hooks", hostPath: { path: hostDir, type: "Directory" } }],
            containers: [
              shell("app", TRAPS_TERM, {
                volumeMounts: [{ name: "hooks", mountPath: "/hooks" }],
                lifecycle: {
                  postStart: { exec: { command: ["sh", "-c", "echo poststart >> /hooks/log"] } },
                  preStop: { exec: { command: ["sh", "-c", "echo prestop >> /hooks/log; sleep 1"] } },
                },
              }),
            ],
          }),
        );
        await cluster().waitForPod("hooks-exec", ready, "Ready", 60_000);
        expect(await readFile(join(hostDir, "log"), "utf8")).toBe("poststart\n");
        await deleted("hooks-exec");
        expect(await readFile(join(hostDir, "log"), "utf8")).toBe("poststart\nprestop\nterm\n");
      },
    );

    it.concurrent(
      "httpGet postStart and preStop reach the handler; a sleep preStop delays the stop",
      { timeout: 120_000 },
      async ({ expect }) => {
        const respond = "printf 'HTTP/1.1 200 OK\\r\\nContent-Length: 0\\r\\nConnection: close\\r\\n\\r\\n'";
        await cluster().createPod(
          pod("hook-handler", {
            volumes: [{ name: "hooks", hostPath: { path: hostDir, type: "Directory" } }],
            containers: [
              shell("app", `while :; do ${respond} | nc -l -p 8080 | head -n 1 >> /hooks/requests; done`, {
                volumeMounts: [{ name: "hooks", mountPath: "/hooks" }],
              }),
            ],
          }),
        );
        const handler = await cluster().waitForPod("hook-handler", ready, "Ready", 60_000);
        const host = handler.status?.podIP ?? "";
        const get = (msg: string) => ({ httpGet: { host, port: 8080, path: `/echo?msg=${msg}` } });
        await cluster().createPod(
          pod("hooks-http", {
            containers: [
              shell("app", FOREVER, { lifecycle: { postStart: get("poststart"), preStop: get("prestop") } }),
            ],
          }),
        );
        await cluster().createPod(
          pod("hooks-sleep", {
            terminationGracePeriodSeconds: 10,
            containers: [shell("app", FOREVER, { lifecycle: { preStop: { sleep: { seconds: 4 } } } })],
          }),
        );
        await cluster().waitForPod("hooks-http", ready, "Ready", 60_000);
        await cluster().waitForPod("hooks-sleep", ready, "Ready", 60_000);
        const [, sleptMs] = await Promise.all([deleted("hooks-http"), deleted("hooks-sleep")]);
        const logs = await readFile(join(hostDir, "requests"), "utf8");
        expect(logs).toContain("GET /echo?msg=poststart HTTP/1.1");
        expect(logs).toContain("GET /echo?msg=prestop HTTP/1.1");
        expect(logs.indexOf("msg=poststart")).toBeLessThan(logs.indexOf("msg=prestop"));
        expect(sleptMs).toBeGreaterThanOrEqual(4_000);
        expect(sleptMs).toBeLessThan(10_000 + 10_000);
      },
    );

    it.concurrent(
      "a failing postStart: FailedPostStartHook, the container killed and restarted",
      { timeout: 90_000 },
      async ({ expect }) => {
        await cluster().createPod(
          pod("poststart-fails", {
            containers: [
              shell("app", FOREVER, {
                lifecycle: { postStart: { exec: { command: ["sh", "-c", "exit 3"] } } },
              }),
            ],
          }),
        );
        await restartedTimes("poststart-fails", 1, 60_000);
        const all = await events("poststart-fails");
        const failed = all.find((e) => e.reason === "FailedPostStartHook");
        expect(failed?.type).toBe("Warning");
        expect(failed?.message).toMatch(
          /^Exec lifecycle hook \(\[sh -c exit 3\]\) for Container "app" in Pod "poststart-fails_default\([0-9a-f-]+\)" failed - error: command 'sh -c exit 3' exited with 3: , message: ""$/,
        );
        expect(all.some((e) => e.reason === "Killing" && e.message === "FailedPostStartHook")).toBe(true);
      },
    );
  });
});
