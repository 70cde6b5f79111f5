/**
 * streamingConnectionIdleTimeout on both runtimes: the agent closes an exec (WebSocket or SPDY) or
 * port-forward connection on which nothing has moved for that long, and leaves a busy one alone. The agent's own
 * cluster runs with a 3 s timeout (the kubelet's default is 4 h).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { RUNTIMES } from "../support/cluster.js";
import { useCluster } from "../support/cluster-vitest.js";
import { eventually } from "../support/eventually.js";
import { kubectlVersion, localForwardPort, runKubectl, startKubectl } from "../support/kubectl-process.js";
import { pod, runningAndReady, shell } from "./pods.js";

const WEB = "mkdir -p /www && echo idle-test > /www/index.html && exec httpd -f -p 8080 -h /www";
/** Far beyond the 3 s idle timeout: a session still open then was not closed by it. */
const HANG_MS = 60_000;

describe.each(RUNTIMES)("streaming connection idle timeout on %s", (runtime) => {
  const cluster = useCluster(runtime, { agentConfig: { streamingConnectionIdleTimeout: "3s" } });

  beforeAll(async () => {
    const c = cluster();
    await c.createPod(pod("web", { containers: [shell("app", WEB)] }));
    await c.waitForPod("web", runningAndReady, "Running", 60_000);
  }, 120_000);

  it.concurrent("an exec whose stdin stays open and silent is closed by the agent", async () => {
    // stdin is a pipe the test never writes to nor closes: only the idle timeout ends the session.
    const r = await runKubectl(cluster(), ["exec", "-i", "web", "--", "cat"], { timeoutMs: HANG_MS });
    expect(r.code, `kubectl was killed after ${HANG_MS} ms: ${r.stderr}`).not.toBeNull();
  });

  it.concurrent("an idle exec over SPDY (kubectl 1.29) is closed by the agent", async () => {
    const r = await runKubectl(cluster(), ["exec", "-i", "web", "--", "cat"], {
      binary: kubectlVersion(29),
      timeoutMs: HANG_MS,
    });
    expect(r.code, `kubectl was killed after ${HANG_MS} ms: ${r.stderr}`).not.toBeNull();
  });

  it.concurrent("an exec that keeps writing outlives the timeout", async () => {
    const script = "for i in 1 2 3 4 5 6 7 8 9 10 11 12; do echo $i; sleep 0.5; done";
    const r = await runKubectl(cluster(), ["exec", "web", "--", "sh", "-c", script], { timeoutMs: HANG_MS });
    expect(r).toMatchObject({ code: 0, stdout: "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n" });
  });

  it.concurrent("an idle port-forward is closed by the agent and kubectl ends", async () => {
    const child = startKubectl(cluster(), ["port-forward", "pod/web", ":8080"]);
    const ended = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    const timer = setTimeout(() => child.kill("SIGKILL"), HANG_MS);
    try {
      const port = await localForwardPort(child);
      const body = await eventually("HTTP through the tunnel", async () => {
        const res = await fetch(`http://127.0.0.1:${port}/`);
        return res.ok ? res.text() : undefined;
      });
      expect(body).toBe("idle-test\n");
      // Killed only by the timer above: a kubectl that ends by itself exits with a code.
      expect(await ended).not.toBeNull();
    } finally {
      clearTimeout(timer);
      child.kill("SIGTERM");
    }
  });
});
