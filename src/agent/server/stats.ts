/**
 * /stats/summary and /metrics/resource (kubelet: server/stats and the resource metrics
 * collector): node, pod and container CPU and memory from the runtime's container stats and /proc.
 * CPU rates (usageNanoCores) come from the previous sample; the first request samples twice,
 * STATS_RATE_WINDOW_MS apart. /metrics and /metrics/probes are the kubelet's Prometheus metrics
 * (metrics.ts, loaded on the first scrape).
 */
import type { IPod } from "kubernetes-models/v1";
import type { Clock } from "../../common/index.js";
import {
  LABEL_CONTAINER_NAME,
  LABEL_POD_UID,
  type ContainerRuntime,
  type ContainerStats,
} from "../../runtime/index.js";
import { readNodeUsage, type NodeUsage } from "./node-usage.js";
import type { PodSource } from "./pod-lookup.js";

/** The shortest gap between two samples a CPU rate is computed over. */
export const STATS_RATE_WINDOW_MS = 1_000;

export interface ServerStats {
  summary(): Promise<unknown>;
  /** Prometheus text of /metrics/{path} ("" for /metrics); undefined for an unknown path. */
  metrics(path: string): Promise<string | undefined>;
}

export type StatsRuntime = Pick<ContainerRuntime, "listContainers" | "listContainerStats">;

interface Sample {
  readonly atNanos: bigint;
  readonly node: NodeUsage;
  readonly containers: ReadonlyMap<string, ContainerStats>;
}

export interface ContainerUsage {
  readonly name: string;
  readonly id: string;
  readonly cpuUsageCoreNanoSeconds: bigint;
  readonly usageNanoCores: number;
  readonly workingSetBytes: number;
  readonly usageBytes: number;
}

export interface PodUsage {
  readonly pod: IPod;
  readonly containers: readonly ContainerUsage[];
}

export interface UsageSnapshot {
  readonly atNanos: bigint;
  readonly node: NodeUsage & { readonly usageNanoCores: number };
  readonly pods: readonly PodUsage[];
}

function rate(now: bigint, then: bigint | undefined, seconds: number): number {
  if (then === undefined || seconds <= 0 || now < then) return 0;
  return Math.round(Number(now - then) / seconds);
}

function rfc3339(nanos: bigint): string {
  return new Date(Number(nanos / 1_000_000n)).toISOString().replace(/\.\d+Z$/, "Z");
}

export interface MetricsSource {
  /** Prometheus text of /metrics or /metrics/probes. */
  render(path: string, snapshot: () => Promise<UsageSnapshot>): Promise<string | undefined>;
}

export class StatsProvider implements ServerStats {
  #last: Sample | undefined;
  #sampling: Promise<Sample> | undefined;

  constructor(
    private readonly deps: {
      readonly runtime: StatsRuntime;
      readonly pods: PodSource;
      readonly clock: Clock;
      readonly nodeName: string;
      readonly startTime: Date;
      readonly metrics: () => Promise<MetricsSource>;
      readonly readNode?: () => Promise<NodeUsage>;
    },
  ) {}

  async #sample(): Promise<Sample> {
    this.#sampling ??= (async () => {
      const [node, stats] = await Promise.all([
        (this.deps.readNode ?? readNodeUsage)(),
        this.deps.runtime.listContainerStats(),
      ]);
      return { atNanos: this.deps.clock.nowNanos(), node, containers: new Map(stats.map((s) => [s.id, s])) };
    })().finally(() => (this.#sampling = undefined));
    return this.#sampling;
  }

  /** Current usage with CPU rates over the window since the previous sample. */
  async snapshot(): Promise<UsageSnapshot> {
    let previous = this.#last;
    let current = await this.#sample();
    if (
      previous === undefined ||
      current.atNanos - previous.atNanos < BigInt(STATS_RATE_WINDOW_MS) * 1_000_000n
    ) {
      previous ??= current;
      await this.deps.clock.sleep(STATS_RATE_WINDOW_MS);
      current = await this.#sample();
    }
    this.#last = current;
    const seconds = Number(current.atNanos - previous.atNanos) / 1e9;
    const containers = await this.deps.runtime.listContainers({ state: "running" });
    const byPod = new Map<string, ContainerUsage[]>();
    for (const c of containers) {
      const uid = c.labels[LABEL_POD_UID];
      const stats = current.containers.get(c.id);
      if (uid === undefined || stats === undefined) continue;
      const before = previous.containers.get(c.id);
      const list = byPod.get(uid) ?? [];
      list.push({
        name: c.labels[LABEL_CONTAINER_NAME] ?? c.metadata.name,
        id: c.id,
        cpuUsageCoreNanoSeconds: stats.cpuUsageCoreNanoSeconds,
        usageNanoCores: rate(stats.cpuUsageCoreNanoSeconds, before?.cpuUsageCoreNanoSeconds, seconds),
        workingSetBytes: stats.memoryWorkingSetBytes,
        usageBytes: stats.memoryUsageBytes,
      });
      byPod.set(uid, list);
    }
    const pods = this.deps.pods
      .pods()
      .filter((p) => byPod.has(p.metadata?.uid ?? ""))
      .map((pod) => ({ pod, containers: byPod.get(pod.metadata?.uid ?? "") ?? [] }));
    return {
      atNanos: current.atNanos,
      node: {
        ...current.node,
        usageNanoCores: rate(
          current.node.cpuUsageCoreNanoSeconds,
          previous.node.cpuUsageCoreNanoSeconds,
          seconds,
        ),
      },
      pods,
    };
  }

  /** stats/v1alpha1 Summary: node and pods with their containers' cpu and memory. */
  async summary(): Promise<unknown> {
    const s = await this.snapshot();
    const time = rfc3339(s.atNanos);
    const cpu = (nano: number, total: bigint) => ({
      time,
      usageNanoCores: nano,
      usageCoreNanoSeconds: Number(total),
    });
    return {
      node: {
        nodeName: this.deps.nodeName,
        startTime: this.deps.startTime.toISOString().replace(/\.\d+Z$/, "Z"),
        cpu: cpu(s.node.usageNanoCores, s.node.cpuUsageCoreNanoSeconds),
        memory: {
          time,
          availableBytes: s.node.memoryAvailableBytes,
          usageBytes: s.node.memoryUsageBytes,
          workingSetBytes: s.node.memoryWorkingSetBytes,
        },
      },
      pods: s.pods.map(({ pod, containers }) => ({
        podRef: { name: pod.metadata?.name, namespace: pod.metadata?.namespace, uid: pod.metadata?.uid },
        startTime: pod.status?.startTime,
        containers: containers.map((c) => ({
          name: c.name,
          cpu: cpu(c.usageNanoCores, c.cpuUsageCoreNanoSeconds),
          memory: { time, usageBytes: c.usageBytes, workingSetBytes: c.workingSetBytes },
        })),
        cpu: cpu(
          containers.reduce((a, c) => a + c.usageNanoCores, 0),
          containers.reduce((a, c) => a + c.cpuUsageCoreNanoSeconds, 0n),
        ),
        memory: {
          time,
          usageBytes: containers.reduce((a, c) => a + c.usageBytes, 0),
          workingSetBytes: containers.reduce((a, c) => a + c.workingSetBytes, 0),
        },
      })),
    };
  }

  async metrics(path: string): Promise<string | undefined> {
    if (path === "resource") return resourceMetrics(await this.snapshot());
    return (await this.deps.metrics()).render(path, () => this.snapshot());
  }
}

function labels(values: Readonly<Record<string, string>>): string {
  const inner = Object.entries(values)
    .map(([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`)
    .join(",");
  return inner === "" ? "" : `{${inner}}`;
}

/** kubelet /metrics/resource: what metrics-server scrapes, in the Prometheus text format. */
export function resourceMetrics(s: UsageSnapshot): string {
  const ms = String(s.atNanos / 1_000_000n);
  const lines: string[] = [];
  const family = (name: string, help: string, samples: [Record<string, string>, number][]) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${name.endsWith("_total") ? "counter" : "gauge"}`);
    for (const [l, v] of samples) lines.push(`${name}${labels(l)} ${v} ${ms}`);
  };
  const seconds = (n: bigint) => Number(n) / 1e9;
  const podLabels = (p: PodUsage) => ({
    namespace: p.pod.metadata?.namespace ?? "",
    pod: p.pod.metadata?.name ?? "",
  });
  family(
    "container_cpu_usage_seconds_total",
    "[STABLE] Cumulative cpu time consumed by the container in core-seconds",
    s.pods.flatMap((p) =>
      p.containers.map((c): [Record<string, string>, number] => [
        { container: c.name, ...podLabels(p) },
        seconds(c.cpuUsageCoreNanoSeconds),
      ]),
    ),
  );
  family(
    "container_memory_working_set_bytes",
    "[STABLE] Current working set of the container in bytes",
    s.pods.flatMap((p) =>
      p.containers.map((c): [Record<string, string>, number] => [
        { container: c.name, ...podLabels(p) },
        c.workingSetBytes,
      ]),
    ),
  );
  family(
    "node_cpu_usage_seconds_total",
    "[STABLE] Cumulative cpu time consumed by the node in core-seconds",
    [[{}, seconds(s.node.cpuUsageCoreNanoSeconds)]],
  );
  family("node_memory_working_set_bytes", "[STABLE] Current working set of the node in bytes", [
    [{}, s.node.memoryWorkingSetBytes],
  ]);
  family(
    "pod_cpu_usage_seconds_total",
    "[STABLE] Cumulative cpu time consumed by the pod in core-seconds",
    s.pods.map((p): [Record<string, string>, number] => [
      podLabels(p),
      seconds(p.containers.reduce((a, c) => a + c.cpuUsageCoreNanoSeconds, 0n)),
    ]),
  );
  family(
    "pod_memory_working_set_bytes",
    "[STABLE] Current working set of the pod in bytes",
    s.pods.map((p): [Record<string, string>, number] => [
      podLabels(p),
      p.containers.reduce((a, c) => a + c.workingSetBytes, 0),
    ]),
  );
  lines.push(
    "# HELP scrape_error [ALPHA] 1 if there was an error while getting container metrics, 0 otherwise",
    "# TYPE scrape_error gauge",
    "scrape_error 0",
  );
  return `${lines.join("\n")}\n`;
}
