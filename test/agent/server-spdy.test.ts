/**
 * exec, attach, cp and port-forward over SPDY/3.1 through the API server and the agent, with the
 * real kubectl of the versions that speak it, on both runtimes: 1.27 and 1.29 (SPDY only for exec,
 * attach and cp) and 1.32 told to use SPDY (KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false,
 * KUBECTL_PORT_FORWARD_WEBSOCKETS=false). One cluster per runtime; the cases run concurrently.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { RUNTIMES, type TestCluster } from "../support/cluster.js";
import { useCluster } from "../support/cluster-vitest.js";
import { eventually } from "../support/eventually.js";
import {
  kubectlVersion,
  localForwardPort,
  runKubectl,
  startKubectl,
  type KubectlOptions,
} from "../support/kubectl-process.js";
import { pod, runningAndReady, shell } from "./pods.js";

const SPDY_ENV = { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: "false", KUBECTL_PORT_FORWARD_WEBSOCKETS: "false" };
const VERSIONS = [
  { version: "1.27", binary: kubectlVersion(27), env: {} },
  { version: "1.29", binary: kubectlVersion(29), env: {} },
  { version: "1.32", binary: kubectlVersion(32), env: SPDY_ENV },
] as const;

const WEB = "mkdir -p /www && echo hello-through-spdy > /www/index.html && exec httpd -f -p 8080 -h /www";

describe.each(RUNTIMES)("exec, attach, cp and port-forward over SPDY on %s", (runtime) => {
  const cluster = useCluster(runtime);

  beforeAll(async () => {
    const c = cluster();
    await Promise.all([
      c.createPod(pod("web", { containers: [shell("app", WEB)] })),
      c.createPod(
        pod("ticker", {
          containers: [shell("app", "i=0; while :; do i=$((i+1)); echo tick $i; sleep 0.5; done")],
        }),
      ),
    ]);
    await Promise.all(["web", "ticker"].map((n) => c.waitForPod(n, runningAndReady, "Running", 60_000)));
    await eventually("the agent server", async () =>
      (await c.kubectl("get", "--raw", `/api/v1/nodes/${c.nodeName}/proxy/healthz`)) === "ok"
        ? true
        : undefined,
    );
  }, 120_000);

  // The API server refuses it before any upgrade: once, with the oldest kubectl, is enough.
  it.concurrent("kubectl 1.27: exec into a container that does not exist is a clear error", async () => {
    const r = await runKubectl(cluster(), ["exec", "web", "-c", "nope", "--", "true"], {
      binary: VERSIONS[0].binary,
    });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("container nope is not valid for pod web");
  });

  describe.each(VERSIONS)("kubectl $version", ({ version, binary, env }) => {
    const run = (c: TestCluster, args: string[], options: KubectlOptions = {}) =>
      runKubectl(c, args, { binary, env, ...options });

    it.concurrent("exec without stdin: stdout and stderr apart", async () => {
      const r = await run(cluster(), ["exec", "web", "--", "sh", "-c", "echo out; echo err >&2"]);
      expect(r).toMatchObject({ code: 0, stdout: "out\n" });
      expect(r.stderr).toContain("err");
    });

    it.concurrent("exec -i with piped stdin ends when stdin ends", async () => {
      const r = await run(cluster(), ["exec", "-i", "web", "--", "cat"], { stdin: "abc\n" });
      expect(r).toMatchObject({ code: 0, stdout: "abc\n" });
    });

    it.concurrent("exec -t runs on a terminal", async () => {
      const r = await run(cluster(), ["exec", "-i", "-t", "web", "--", "sh", "-c", "tty"], {
        // script gives kubectl a terminal; its typescript goes to /dev/null.
        program: (commandLine) => ["script", "-qe", "-c", commandLine, "/dev/null"],
        stdin: "",
      });
      expect(r.stdout).toMatch(/\/dev\/pts\/\d+/);
    });

    it.concurrent("exec passes the exit code through", async () => {
      const r = await run(cluster(), ["exec", "web", "--", "sh", "-c", "exit 3"]);
      expect(r.code).toBe(3);
    });

    it.concurrent("attach shows what the container writes", async () => {
      const r = await run(cluster(), ["attach", "ticker"], { timeoutMs: 4_000 });
      expect(r.stdout).toMatch(/^tick \d+$/m);
    });

    it.concurrent("cp both ways", async () => {
      const c = cluster();
      const local = join(c.dir, `cp-in-${version}.txt`);
      await writeFile(local, `copied in by ${version}\n`);
      expect((await run(c, ["cp", local, `web:/tmp/in-${version}.txt`])).code).toBe(0);
      const cat = await run(c, ["exec", "web", "--", "cat", `/tmp/in-${version}.txt`]);
      expect(cat.stdout).toBe(`copied in by ${version}\n`);
      const back = join(c.dir, `cp-out-${version}.txt`);
      expect((await run(c, ["cp", `web:/tmp/in-${version}.txt`, back])).code).toBe(0);
      expect(await readFile(back, "utf8")).toBe(`copied in by ${version}\n`);
    });

    it.concurrent("port-forward carries HTTP to the pod", async () => {
      const c = cluster();
      const child = startKubectl(c, ["port-forward", "pod/web", ":8080"], { binary, env });
      try {
        const port = await localForwardPort(child);
        // Two requests: each is its own pair of streams in the one session.
        for (let i = 0; i < 2; i++) {
          const body = await eventually("HTTP through the tunnel", async () => {
            const res = await fetch(`http://127.0.0.1:${port}/`);
            return res.ok ? res.text() : undefined;
          });
          expect(body).toBe("hello-through-spdy\n");
        }
      } finally {
        child.kill("SIGTERM");
      }
    });
  });
});
