/**
 * The agent started before its container runtime answers: it registers the node NotReady, keeps
 * retrying, and runs pods once the runtime is there. The runtime "appears" when the test opens a
 * unix-socket proxy of its own in front of the shared daemon; the daemon itself is never touched.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { connect, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { INode } from "kubernetes-models/v1";
import { afterAll, describe, it } from "vitest";
import { resourcePath } from "../../src/api/index.js";
import { RUNTIMES, TestCluster, type RuntimeKind } from "../support/cluster.js";
import { testEnv } from "../support/env.js";
import { FOREVER, pod, runningAndReady, shell } from "./pods.js";

function socketPath(endpoint: string): string {
  return endpoint.replace(/^unix:\/\//, "");
}

/** Forwards every connection on `path` to the daemon's socket. */
async function openProxy(path: string, target: string): Promise<Server> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(target);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.once("close", () => sockets.delete(s));
      s.on("error", () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  server.once("close", () => {
    for (const s of sockets) s.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(path, resolve);
  });
  return server;
}

describe.each(RUNTIMES)("the agent starting before %s answers", (runtime: RuntimeKind) => {
  let cluster: TestCluster | undefined;
  let proxy: Server | undefined;
  let dir: string | undefined;
  afterAll(async () => {
    try {
      await cluster?.stop();
    } finally {
      await new Promise<void>((resolve) => (proxy ? proxy.close(() => resolve()) : resolve()));
      if (dir) await rm(dir, { recursive: true, force: true });
    }
  }, 180_000);

  it("registers the node NotReady, retries, and runs a pod once the runtime is reachable", async ({
    expect,
  }) => {
    dir = await mkdtemp(join(tmpdir(), `berth-late-${runtime}-`));
    const path = join(dir, "runtime.sock");
    const daemon = socketPath(
      runtime === "containerd" ? testEnv.containerdEndpoint() : testEnv.dockerEndpoint(),
    );
    cluster = await TestCluster.start({
      runtime,
      agentRuntimeEndpoint: `unix://${path}`,
      waitForNodeReady: false,
    });
    const c = cluster;
    // Nothing listens on the socket yet: the agent says so and keeps trying.
    await expect
      .poll(async () => (await c.agent.tail(200)).includes("container runtime not answering; retrying"), {
        timeout: 30_000,
        interval: 200,
      })
      .toBe(true);
    expect(c.agent.running).toBe(true);
    const node = await c.api.get<INode>(resourcePath({ resource: "nodes", name: c.nodeName }));
    expect(node.status?.conditions?.find((x) => x.type === "Ready")?.status).not.toBe("True");

    proxy = await openProxy(path, daemon);
    await c.waitForNodeReady(60_000);
    await c.createPod(pod("late", { containers: [shell("app", FOREVER)] }));
    await c.waitForPod("late", runningAndReady, "Running", 60_000);
  });
});
