/**
 * The API server half of rss-fake.ts, in its own process so that the agent's RSS is its own.
 * Prints {"kubeconfig": PATH} on stdout once ready; on a line "pods N" on stdin it creates N pods
 * bound to the node, and prints {"running": N} once all are Running (watching by polling the list).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { IPod, IPodList } from "kubernetes-models/v1";

await import(new URL("../../test/support/ts-hooks.ts", import.meta.url).href);
const { ApiServer } = await import("../../src/apiserver/index.js");
const { ApiClient, resourcePath } = await import("../../src/api/index.js");
const { silentLogger } = await import("../../src/common/index.js");

const NODE = process.argv[2] ?? "rss-node";
const dir = await mkdtemp(join(tmpdir(), "berth-rss-api-"));
const stop = new AbortController();
const server = new ApiServer({ dataDir: dir, listen: "127.0.0.1:0", logger: silentLogger() });
await server.start(stop.signal);
await server.ready;
const admin = await ApiClient.fromKubeconfig(server.kubeconfigPath);
const podsPath = resourcePath({ resource: "pods", namespace: "default" });
process.stdout.write(JSON.stringify({ kubeconfig: server.kubeconfigPath }) + "\n");

function pod(name: string): IPod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", labels: { bench: "rss" } },
    spec: {
      nodeName: NODE,
      terminationGracePeriodSeconds: 2,
      containers: [{ name: "app", image: "busybox:1", command: ["sleep", "infinity"] }],
    },
  };
}

let created = 0;
for await (const line of createInterface({ input: process.stdin })) {
  const [verb, arg] = line.trim().split(/\s+/);
  if (verb === "pods") {
    const n = Number(arg);
    const names: string[] = [];
    for (; created < n; created++) names.push(`rss-${created}`);
    await Promise.all(names.map((name) => admin.create<IPod>(podsPath, pod(name))));
    for (;;) {
      const list = await admin.get<IPodList>(podsPath);
      const running = list.items.filter((p) => p.status?.phase === "Running").length;
      if (running >= n) {
        process.stdout.write(JSON.stringify({ running }) + "\n");
        break;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  } else if (verb === "quit") break;
}
await admin.close();
stop.abort();
await server.stop();
await rm(dir, { recursive: true, force: true });
