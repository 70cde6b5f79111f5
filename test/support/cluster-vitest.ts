/** The e2e cluster as vitest hooks (kept apart from cluster.ts so that bench scripts can use it). */
import { afterAll, afterEach, beforeAll } from "vitest";
import { TestCluster, type ClusterOptions, type RuntimeKind } from "./cluster.js";
import { requireEnv } from "./env.js";

type FileClusterOptions = Omit<ClusterOptions, "runtime">;

/**
 * beforeAll/afterAll for a file's cluster on one runtime; the agent's and API server's log tails
 * go to stderr after a failed test. Returns the accessor for the tests. Options may be a function,
 * run just before the cluster starts (for settings measured from the machine at that moment).
 */
export function useCluster(
  runtime: RuntimeKind,
  options: FileClusterOptions | (() => Promise<FileClusterOptions>) = {},
): () => TestCluster {
  let cluster: TestCluster | undefined;
  beforeAll(async () => {
    requireEnv("TEST_IMAGE");
    const resolved = typeof options === "function" ? await options() : options;
    cluster = await TestCluster.start({ runtime, ...resolved });
  }, 120_000);
  afterEach(async (ctx) => {
    if (ctx.task.result?.state !== "fail" || cluster === undefined) return;
    process.stderr.write(
      `\n---- ${cluster.nodeName} agent log (tail)\n${await cluster.agent.tail(80)}\n` +
        `---- apiserver log (tail)\n${await cluster.apiserver.tail(20)}\n`,
    );
  });
  afterAll(async () => {
    await cluster?.stop();
  }, 180_000);
  return () => {
    if (cluster === undefined) throw new Error("the cluster did not start");
    return cluster;
  };
}
