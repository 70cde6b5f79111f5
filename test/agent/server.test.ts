/**
 * The agent's HTTPS server through the real kubectl and the API server, on both runtimes: logs
 * with its flags (and --previous after a crash, -f until the container ends), exec with and
 * without stdin, a tty, the exit code passed through, attach, port-forward with HTTP through it,
 * cp both ways, top node and pod, the node proxy to /metrics and /stats/summary; 401 and 403 on the
 * agent's port; and the API server refusing an agent whose serving certificate the cluster did not
 * issue.
 */
import { spawn } from "node:child_process";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { createServer, request } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { INode, IPod } from "kubernetes-models/v1";
import { beforeAll, describe, expect, it } from "vitest";
import { createCa, issueCertificate } from "../../src/pki/index.js";
import { KUBECTL, RUNTIMES } from "../support/cluster.js";
import { useCluster } from "../support/cluster-vitest.js";
import { eventually } from "../support/eventually.js";
import { runKubectl } from "../support/kubectl-process.js";
import { samples } from "../support/prometheus-text.js";
import { FOREVER, containerStatus, pod, runningAndReady, shell } from "./pods.js";

/** GET on the agent's port with an optional client certificate: the status code. */
function agentStatus(
  port: number,
  path: string,
  cert?: { certPem: string; keyPem: string },
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path,
        rejectUnauthorized: false,
        ...(cert ? { cert: cert.certPem, key: cert.keyPem } : {}),
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on("error", reject);
    req.end();
  });
}

const LINES = "for i in 1 2 3 4 5; do echo line $i; done; sleep 1; echo late; " + FOREVER;
const WEB =
  "mkdir -p /www && echo hello-through-port-forward > /www/index.html && exec httpd -f -p 8080 -h /www";
const FINITE = "for i in 1 2 3; do echo tick $i; sleep 1; done";
const CRASH_ONCE =
  "if [ -f /runs/crashed ]; then echo second; " +
  FOREVER +
  "; else touch /runs/crashed; echo first-run; exit 1; fi";

/** Writes 64 KiB, waits past a rotation check, writes one more line. */
const ROTATE = `head -c 65536 /dev/zero | tr '\\0' r | fold -w 63; sleep 15; echo after rotation; ${FOREVER}`;

describe.each(RUNTIMES)("the agent's server on %s", (runtime) => {
  // Small logs: the rotation case fills them in a moment, the others stay far below.
  const cluster = useCluster(runtime, {
    agentConfig: { containerLogMaxSize: "20Ki", containerLogMaxFiles: 2 },
  });
  let agentPort = 0;

  beforeAll(async () => {
    const c = cluster();
    await Promise.all([
      c.createPod(
        pod("logs", { containers: [shell("main", LINES), shell("side", `echo side-car; ${FOREVER}`)] }),
      ),
      c.createPod(pod("web", { containers: [shell("app", WEB)] })),
      c.createPod(pod("rotate", { containers: [shell("app", ROTATE)] })),
      c.createPod(
        pod("ticker", {
          containers: [shell("app", "i=0; while :; do i=$((i+1)); echo tick $i; sleep 0.5; done")],
        }),
      ),
      c.createPod(
        pod("crash", {
          volumes: [{ name: "runs", emptyDir: {} }],
          containers: [shell("app", CRASH_ONCE, { volumeMounts: [{ name: "runs", mountPath: "/runs" }] })],
        }),
      ),
    ]);
    await Promise.all(
      ["logs", "web", "ticker"].map((n) => c.waitForPod(n, runningAndReady, "Running", 60_000)),
    );
    const node = await c.api.get<INode>(`/api/v1/nodes/${c.nodeName}`);
    agentPort = node.status?.daemonEndpoints?.kubeletEndpoint?.Port ?? 0;
    // The server comes up right after the node: wait for it through the node proxy.
    await eventually("the agent server", async () =>
      (await c.kubectl("get", "--raw", `/api/v1/nodes/${c.nodeName}/proxy/healthz`)) === "ok"
        ? true
        : undefined,
    );
  }, 120_000);

  it("configz: the KubeletConfiguration in the kubelet's own forms", async () => {
    const c = cluster();
    const raw = await c.kubectl("get", "--raw", `/api/v1/nodes/${c.nodeName}/proxy/configz`);
    const { kubeletconfig } = JSON.parse(raw) as { kubeletconfig: Record<string, unknown> };
    expect(kubeletconfig).toMatchObject({
      kind: "KubeletConfiguration",
      containerLogMaxSize: "20Ki",
      containerLogMaxFiles: 2,
      streamingConnectionIdleTimeout: "4h0m0s",
      runtimeRequestTimeout: "2m0s",
    });
    expect(kubeletconfig).not.toHaveProperty("kubeconfig");
  });

  it("logs: -c, --tail, --timestamps, --since, --limit-bytes", async () => {
    const c = cluster();
    await eventually("all lines", async () =>
      (await c.kubectl("logs", "logs", "-c", "main")).includes("late") ? true : undefined,
    );
    expect(await c.kubectl("logs", "logs", "-c", "main")).toBe(
      "line 1\nline 2\nline 3\nline 4\nline 5\nlate\n",
    );
    expect(await c.kubectl("logs", "logs", "-c", "side")).toBe("side-car\n");
    expect(await c.kubectl("logs", "logs", "-c", "main", "--tail", "2")).toBe("line 5\nlate\n");
    const stamped = (await c.kubectl("logs", "logs", "-c", "main", "--timestamps", "--tail", "1")).trim();
    expect(stamped).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z late$/);
    expect(await c.kubectl("logs", "logs", "-c", "main", "--limit-bytes", "9")).toBe("line 1\nli");
    expect(await c.kubectl("logs", "logs", "-c", "main", "--since", "1h")).toContain("line 1");
    // kubectl picks the first container itself, and says so.
    const defaulted = await runKubectl(c, ["logs", "logs"]);
    expect(defaulted).toMatchObject({ code: 0, stdout: "line 1\nline 2\nline 3\nline 4\nline 5\nlate\n" });
    expect(defaulted.stderr).toContain('Defaulted container "main" out of: main, side');
  });

  it("a rotated log: the live part is served, older parts are bounded", { timeout: 60_000 }, async () => {
    const c = cluster();
    const logs = await eventually(
      "the line after rotation",
      async () => {
        const text = await c.kubectl("logs", "rotate");
        return text.includes("after rotation") ? text : undefined;
      },
      45_000,
    );
    expect(logs.length).toBeLessThan(65536);
    expect(logs.endsWith("after rotation\n")).toBe(true);
    if (runtime === "containerd") {
      const files = (await readdir(join(c.dir, "agent", "logs"), { recursive: true })).filter(
        (f) => f.includes("_rotate_") && f.includes("/app/0.log."),
      );
      expect(files.length).toBeGreaterThan(0);
      expect(logs).toBe("after rotation\n");
    }
  });

  it("logs -f sees new lines and ends when the container ends", { timeout: 60_000 }, async () => {
    const c = cluster();
    // The container waits for a signal file, so the follow starts before its output at any load.
    await c.createPod(
      pod("finite", {
        restartPolicy: "Never",
        containers: [shell("app", `while [ ! -f /tmp/go ]; do sleep 0.2; done; ${FINITE}`)],
      }),
    );
    await c.waitForPod(
      "finite",
      (p) => containerStatus(p, "app")?.state?.running !== undefined,
      "running",
      60_000,
    );
    const following = runKubectl(c, ["logs", "-f", "finite"], { timeoutMs: 45_000 });
    await c.kubectl("exec", "finite", "--", "touch", "/tmp/go");
    const follow = await following;
    expect(follow.code).toBe(0);
    expect(follow.stdout).toBe("tick 1\ntick 2\ntick 3\n");
  });

  it("logs --previous after a crash", { timeout: 60_000 }, async () => {
    const c = cluster();
    await c.waitForPod(
      "crash",
      (p) => (containerStatus(p, "app")?.restartCount ?? 0) >= 1 && runningAndReady(p),
      "restarted",
      45_000,
    );
    expect(await c.kubectl("logs", "crash", "--previous")).toBe("first-run\n");
    await eventually("the second run's log", async () =>
      (await c.kubectl("logs", "crash")) === "second\n" ? true : undefined,
    );
  });

  it("exec: output, stdin, exit code, tty, a container that does not exist", async () => {
    const c = cluster();
    expect(await c.kubectl("exec", "web", "--", "sh", "-c", "echo out; echo err >&2")).toBe("out\n");
    const piped = await runKubectl(c, ["exec", "-i", "web", "--", "cat"], { stdin: "abc\n" });
    expect(piped).toMatchObject({ code: 0, stdout: "abc\n" });
    const failed = await runKubectl(c, ["exec", "web", "--", "sh", "-c", "exit 3"]);
    expect(failed.code).toBe(3);
    const tty = await runKubectl(c, ["exec", "-i", "-t", "web", "--", "sh", "-c", "tty"], {
      // script gives kubectl a terminal; its typescript goes to /dev/null.
      program: (kubectl) => ["script", "-qe", "-c", kubectl, "/dev/null"],
      stdin: "",
    });
    expect(tty.stdout).toMatch(/\/dev\/pts\/\d+/);
    const none = await runKubectl(c, ["exec", "web", "-c", "nope", "--", "true"]);
    expect(none.code).not.toBe(0);
    expect(none.stderr).toContain("container nope is not valid for pod web");
    // The API server counts each stream as a CONNECT when it ends: 101 for those upgraded, the
    // refusal's code for the container that does not exist.
    const connect = (code: number) =>
      `apiserver_request_total{verb="CONNECT",dry_run="",group="",version="v1",resource="pods",` +
      `subresource="exec",scope="resource",component="apiserver",code="${code}"}`;
    const counted = await eventually("the exec streams counted in the API server's /metrics", async () => {
      const m = samples(await c.kubectl("get", "--raw", "/metrics"));
      return (m.get(connect(101)) ?? 0) >= 4 && (m.get(connect(400)) ?? 0) >= 1 ? m : undefined;
    });
    expect(counted.get(connect(101))).toBeGreaterThanOrEqual(4);
  });

  it("attach shows what the container writes", async () => {
    const c = cluster();
    const attached = await runKubectl(c, ["attach", "ticker"], { timeoutMs: 4_000 });
    expect(attached.stdout).toMatch(/^tick \d+$/m);
  });

  it("port-forward carries HTTP to the pod", async () => {
    const c = cluster();
    const child = spawn(KUBECTL, ["--kubeconfig", c.adminKubeconfig, "port-forward", "pod/web", ":8080"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (d: Buffer) => {
          out += d.toString();
          const m = /127\.0\.0\.1:(\d+) ->/.exec(out);
          if (m?.[1]) resolve(Number(m[1]));
        });
        child.on("close", () => reject(new Error(`port-forward ended: ${out}`)));
      });
      const body = await eventually("HTTP through the tunnel", async () => {
        const res = await fetch(`http://127.0.0.1:${port}/`);
        return res.ok ? res.text() : undefined;
      });
      expect(body).toBe("hello-through-port-forward\n");
    } finally {
      child.kill("SIGTERM");
    }
  });

  it("cp both ways", async () => {
    const c = cluster();
    const local = join(c.dir, "cp-in.txt");
    await writeFile(local, "copied in\n");
    await c.kubectl("cp", local, "web:/tmp/in.txt");
    expect(await c.kubectl("exec", "web", "--", "cat", "/tmp/in.txt")).toBe("copied in\n");
    const back = join(c.dir, "cp-out.txt");
    await c.kubectl("cp", "web:/tmp/in.txt", back);
    expect(await readFile(back, "utf8")).toBe("copied in\n");
  });

  it("top node and top pod; node proxy to metrics and stats", async () => {
    const c = cluster();
    const nodeTop = await c.kubectl("top", "node", c.nodeName, "--no-headers");
    expect(nodeTop).toMatch(new RegExp(`^${c.nodeName}\\s+\\d+m\\s+\\d+%\\s+\\d+Mi\\s+\\d+%`));
    const podTop = await c.kubectl("top", "pod", "web", "--no-headers");
    expect(podTop).toMatch(/^web\s+\d+m\s+\d+Mi/);
    await c.kubectl("exec", "web", "--", "true");
    const metrics = await c.kubectl("get", "--raw", `/api/v1/nodes/${c.nodeName}/proxy/metrics`);
    expect(metrics).toMatch(/^kubelet_running_pods \d+$/m);
    expect(metrics).toContain(`kubelet_node_name{node="${c.nodeName}"} 1`);
    // The kubelet's histograms and counters after the pods of this file started.
    const sample = samples(metrics);
    const value = (key: string): number => sample.get(key) ?? Number.NaN;
    expect(value('kubelet_running_containers{container_state="running"}')).toBeGreaterThanOrEqual(1);
    expect(value("kubelet_pod_start_duration_seconds_count")).toBeGreaterThanOrEqual(1);
    // kubelet SLO territory: a pod of the test image starts in seconds, not minutes.
    const meanStart =
      value("kubelet_pod_start_duration_seconds_sum") / value("kubelet_pod_start_duration_seconds_count");
    expect(meanStart).toBeGreaterThan(0);
    expect(meanStart).toBeLessThan(120);
    expect(value('kubelet_pod_start_duration_seconds_bucket{le="+Inf"}')).toBe(
      value("kubelet_pod_start_duration_seconds_count"),
    );
    // The SLI leaves image pulls out: never more than the total from creation, which includes them.
    const sli = value("kubelet_pod_start_sli_duration_seconds_count");
    expect(sli).toBeGreaterThanOrEqual(1);
    expect(value('kubelet_pod_start_sli_duration_seconds_bucket{le="+Inf"}')).toBe(sli);
    expect(value("kubelet_pod_start_total_duration_seconds_count")).toBe(sli);
    expect(value("kubelet_pod_start_sli_duration_seconds_sum")).toBeLessThanOrEqual(
      value("kubelet_pod_start_total_duration_seconds_sum"),
    );
    expect(value("kubelet_pod_start_sli_duration_seconds_sum") / sli).toBeLessThan(120);
    expect(
      value('kubelet_pod_worker_duration_seconds_count{operation_type="create"}'),
    ).toBeGreaterThanOrEqual(1);
    expect(value("kubelet_pod_worker_start_duration_seconds_count")).toBeGreaterThanOrEqual(1);
    for (const op of ["run_podsandbox", "create_container", "start_container", "list_containers", "exec"]) {
      const total = value(`kubelet_runtime_operations_total{operation_type="${op}"}`);
      expect(total, op).toBeGreaterThanOrEqual(1);
      expect(
        value(`kubelet_runtime_operations_duration_seconds_bucket{operation_type="${op}",le="+Inf"}`),
      ).toBe(total);
    }
    expect(value('kubelet_run_podsandbox_duration_seconds_count{runtime_handler=""}')).toBeGreaterThanOrEqual(
      1,
    );
    expect(value("kubelet_started_pods_total")).toBeGreaterThanOrEqual(1);
    expect(value('kubelet_started_containers_total{container_type="container"}')).toBeGreaterThanOrEqual(1);
    // The relist runs every second: its mean interval is about that, its duration far less.
    const relists = value("kubelet_pleg_relist_interval_seconds_count");
    expect(relists).toBeGreaterThanOrEqual(1);
    const meanInterval = value("kubelet_pleg_relist_interval_seconds_sum") / relists;
    expect(meanInterval).toBeGreaterThanOrEqual(0.9);
    expect(meanInterval).toBeLessThan(10);
    expect(value("kubelet_pleg_relist_duration_seconds_count")).toBeGreaterThanOrEqual(relists);
    expect(value("kubelet_pleg_last_seen_seconds")).toBeGreaterThan(Date.now() / 1000 - 60);
    expect(value("process_resident_memory_bytes")).toBeGreaterThan(10 * 1024 * 1024);
    expect(metrics).toMatch(/^# TYPE kubelet_runtime_operations_duration_seconds histogram$/m);
    const summary = JSON.parse(
      await c.kubectl("get", "--raw", `/api/v1/nodes/${c.nodeName}/proxy/stats/summary`),
    ) as {
      node: { nodeName: string };
      pods: { podRef: { name: string } }[];
    };
    expect(summary.node.nodeName).toBe(c.nodeName);
    expect(summary.pods.map((p) => p.podRef.name)).toContain("web");
    const resource = await c.kubectl("get", "--raw", `/api/v1/nodes/${c.nodeName}/proxy/metrics/resource`);
    expect(resource).toMatch(
      /^container_cpu_usage_seconds_total\{container="app",namespace="default",pod="web"\} /m,
    );
  });

  it("the agent's port: 401 without credentials, 403 for a caller without rights", async () => {
    const c = cluster();
    expect(await agentStatus(agentPort, "/pods")).toBe(401);
    const ca = {
      certPem: await readFile(join(c.dir, "apiserver", "ca.crt"), "utf8"),
      keyPem: await readFile(join(c.dir, "apiserver", "ca.key"), "utf8"),
    };
    const other = issueCertificate(ca, {
      commonName: "system:node:someone-else",
      organizations: ["system:nodes"],
      usage: "client",
      validDays: 1,
    });
    expect(await agentStatus(agentPort, "/pods", other)).toBe(403);
    const foreign = issueCertificate(createCa({ commonName: "not-the-cluster", validDays: 1 }), {
      commonName: "kube-apiserver-kubelet-client",
      organizations: ["system:masters"],
      usage: "client",
      validDays: 1,
    });
    expect(await agentStatus(agentPort, "/pods", foreign)).toBe(401);
  });

  it("the API server refuses an agent whose certificate the cluster did not issue", async () => {
    const c = cluster();
    const impostor = issueCertificate(createCa({ commonName: "impostor-ca", validDays: 1 }), {
      commonName: "impostor",
      ipAddresses: ["127.0.0.1"],
      usage: "server",
      validDays: 1,
    });
    let reached = 0;
    const server = createServer({ cert: impostor.certPem, key: impostor.keyPem }, (_req, res) => {
      reached++;
      res.end("forged logs\n");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const name = `impostor-${runtime}`;
    try {
      await c.api.create<INode>("/api/v1/nodes", { apiVersion: "v1", kind: "Node", metadata: { name } });
      await c.api.patch(
        `/api/v1/nodes/${name}/status`,
        {
          status: {
            addresses: [{ type: "InternalIP", address: "127.0.0.1" }],
            daemonEndpoints: { kubeletEndpoint: { Port: (server.address() as AddressInfo).port } },
          },
        },
        "merge",
      );
      await c.api.create<IPod>("/api/v1/namespaces/default/pods", {
        ...pod("on-impostor", { containers: [shell("app", "true")] }),
        spec: { nodeName: name, containers: [shell("app", "true")] },
      });
      const logs = await runKubectl(c, ["logs", "on-impostor"]);
      expect(logs.code).not.toBe(0);
      expect(logs.stdout).not.toContain("forged");
      expect(logs.stderr).toMatch(/certificate/i);
      expect(reached).toBe(0);
    } finally {
      server.close();
      await c.api
        .delete("/api/v1/namespaces/default/pods/on-impostor", { gracePeriodSeconds: 0 })
        .catch(() => undefined);
      await c.api.delete(`/api/v1/nodes/${name}`).catch(() => undefined);
    }
  });
});
