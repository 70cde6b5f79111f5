/**
 * The idle agent's memory on a real runtime, with the agent's `systemd/berth-agent.env` flags:
 * VmRSS with no pods after it settled, then after one pod ran and /metrics was scraped through
 * the API server's node proxy (the metrics module loads on the first scrape).
 *
 *   eval "$(bash scripts/runtime-env.sh env)"; npm run build
 *   node --experimental-transform-types bench/agent/rss-idle.ts [containerd|docker] [settleSeconds]
 */
import { readFile } from "node:fs/promises";
import type { IPod } from "kubernetes-models/v1";

await import(new URL("../../test/support/ts-hooks.ts", import.meta.url).href);
const { TestCluster } = await import("../../test/support/cluster.js");
const { testEnv } = await import("../../test/support/env.js");

type RuntimeKind = "containerd" | "docker";
const runtimeKind = (process.argv[2] ?? "containerd") as RuntimeKind;
const SETTLE_MS = Number(process.argv[3] ?? 20) * 1000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const cluster = await TestCluster.start({ runtime: runtimeKind });
try {
  const rss = async (): Promise<string> => {
    const status = await readFile(`/proc/${cluster.agent.pid}/status`, "utf8");
    const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB$`, "m").exec(status)?.[1]);
    return `${(kib("VmRSS") / 1024).toFixed(1)} MiB (peak ${(kib("VmHWM") / 1024).toFixed(1)} MiB)`;
  };
  await sleep(SETTLE_MS);
  console.log(`${runtimeKind}: idle agent, no pods          ${await rss()}`);
  const pod: IPod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "rss" },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [{ name: "app", image: testEnv.testImage(), command: ["sleep", "3600"] }],
    },
  };
  await cluster.createPod(pod);
  await cluster.waitForPod("rss", (p) => p.status?.phase === "Running", "Running");
  await cluster.kubectl("get", "--raw", `/api/v1/nodes/${cluster.nodeName}/proxy/metrics`);
  await sleep(SETTLE_MS);
  console.log(`${runtimeKind}: one pod, after a /metrics scrape ${await rss()}`);
} finally {
  await cluster.stop();
}
