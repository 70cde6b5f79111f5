/**
 * /metrics and /metrics/probes with the kubelet's metric names that berth has values for
 * (kubelet: pkg/kubelet/metrics): kubelet_node_name, kubelet_running_pods,
 * kubelet_running_containers by container_state, kubelet_http_requests_total, and the process
 * metrics. Built on prom-client, loaded on the first scrape. Probe counters come from
 * probe-results.ts.
 */
import { Gauge, Registry, collectDefaultMetrics } from "prom-client";
import type { ContainerRuntime } from "../../runtime/index.js";
import type { PodSource } from "./pod-lookup.js";
import type { ProbeResults } from "./probe-results.js";
import type { MetricsSource } from "./stats.js";

export interface MetricsDeps {
  readonly nodeName: string;
  readonly runtime: Pick<ContainerRuntime, "listContainers" | "listPodSandboxes">;
  readonly pods: PodSource;
  readonly probes: ProbeResults;
}

export function createMetrics(deps: MetricsDeps): MetricsSource {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  new Gauge({
    name: "kubelet_node_name",
    help: "[ALPHA] The node's name. The count is always 1.",
    labelNames: ["node"],
    registers: [registry],
  }).set({ node: deps.nodeName }, 1);
  new Gauge({
    name: "kubelet_running_pods",
    help: "[ALPHA] Number of pods that have a running pod sandbox",
    registers: [registry],
    async collect() {
      this.set((await deps.runtime.listPodSandboxes({ state: "ready" })).length);
    },
  });
  new Gauge({
    name: "kubelet_running_containers",
    help: "[ALPHA] Number of containers currently running",
    labelNames: ["container_state"],
    registers: [registry],
    async collect() {
      const counts = new Map<string, number>([
        ["created", 0],
        ["running", 0],
        ["exited", 0],
        ["unknown", 0],
      ]);
      for (const c of await deps.runtime.listContainers())
        counts.set(c.state, (counts.get(c.state) ?? 0) + 1);
      this.reset();
      for (const [state, n] of counts) this.set({ container_state: state }, n);
    },
  });
  new Gauge({
    name: "kubelet_desired_pods",
    help: "[ALPHA] The number of pods the kubelet is being instructed to run.",
    labelNames: ["static"],
    registers: [registry],
    collect() {
      this.set({ static: "false" }, deps.pods.pods().length);
    },
  });
  return {
    async render(path: string): Promise<string | undefined> {
      if (path === "") return registry.metrics();
      if (path === "probes") return deps.probes.render();
      return undefined;
    },
  };
}
