/**
 * /metrics and /metrics/probes (kubelet: pkg/kubelet/metrics, the legacy registry): the kubelet's
 * metrics that berth records as it works (KubeletMetrics: runtime operations, pod workers, pod
 * starts, PLEG relists, evictions), the gauges read at scrape time from the runtime and the pod
 * source (kubelet_node_name, kubelet_running_pods, kubelet_running_containers by container_state,
 * kubelet_desired_pods), and the process metrics the kubelet's Go registry exports. All rendered
 * in-house in the Prometheus text format; this module loads on the first scrape. Probe counters
 * come from probe-results.ts.
 */
import { processMetrics } from "../../common/metrics/index.js";
import type { ContainerRuntime } from "../../runtime/index.js";
import { escapeLabelValue, header, type KubeletMetrics } from "../metrics/index.js";
import type { PodSource } from "./pod-lookup.js";
import type { ProbeResults } from "./probe-results.js";
import type { MetricsSource } from "./stats.js";

export interface MetricsDeps {
  readonly nodeName: string;
  readonly runtime: Pick<ContainerRuntime, "listContainers" | "listPodSandboxes">;
  readonly pods: PodSource;
  readonly probes: ProbeResults;
  readonly kubelet: Pick<KubeletMetrics, "render">;
}

/** kubelet: the container_state values of running_containers, all of them always present. */
const CONTAINER_STATES = ["created", "running", "exited", "unknown"] as const;

async function gauges(deps: MetricsDeps): Promise<string> {
  const [sandboxes, containers] = await Promise.all([
    deps.runtime.listPodSandboxes({ state: "ready" }),
    deps.runtime.listContainers(),
  ]);
  const counts = new Map<string, number>(CONTAINER_STATES.map((s) => [s, 0]));
  for (const c of containers) counts.set(c.state, (counts.get(c.state) ?? 0) + 1);
  let out = header("kubelet_node_name", "The node's name. The count is always 1.", "gauge");
  out += `kubelet_node_name{node="${escapeLabelValue(deps.nodeName)}"} 1\n`;
  out += header("kubelet_running_pods", "Number of pods that have a running pod sandbox", "gauge");
  out += `kubelet_running_pods ${sandboxes.length}\n`;
  out += header("kubelet_running_containers", "Number of containers currently running", "gauge");
  for (const [state, n] of counts) out += `kubelet_running_containers{container_state="${state}"} ${n}\n`;
  out += header(
    "kubelet_desired_pods",
    "The number of pods the kubelet is being instructed to run. static is true if the pod is not from the apiserver.",
    "gauge",
  );
  out += `kubelet_desired_pods{static="false"} ${deps.pods.pods().length}\n`;
  return out;
}

export function createMetrics(deps: MetricsDeps): MetricsSource {
  return {
    async render(path: string): Promise<string | undefined> {
      if (path === "") {
        const [g, p] = await Promise.all([gauges(deps), processMetrics()]);
        return g + deps.kubelet.render() + p;
      }
      if (path === "probes") return deps.probes.render();
      return undefined;
    },
  };
}
