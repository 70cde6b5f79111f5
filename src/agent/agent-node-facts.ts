/**
 * What the pod conversions need to know about the node (host IPs for status.hostIPs and the
 * downward API, memory capacity for oom_score_adj, allocatable for resource fieldRefs, the DNS
 * settings pods inherit), read from the node controller's last registered Node on each call.
 */
import { parseQuantity } from "../common/index.js";
import type { AgentConfig } from "../config/index.js";
import type { HostResolver } from "./agent-host-dns.js";
import type { INode } from "kubernetes-models/v1";

/** What nodeFacts reads from the node controller. */
export interface NodeFactsSource {
  allocatable(): Readonly<Record<string, string>>;
  node(): INode | undefined;
}

export interface AgentNodeFacts {
  readonly hostIPs: readonly string[];
  readonly memoryCapacityBytes: number;
  readonly allocatable: Readonly<Record<string, string>>;
  readonly hostDns: {
    readonly servers: readonly string[];
    readonly searches: readonly string[];
    readonly options: readonly string[];
  };
  readonly clusterDns?: { readonly servers: readonly string[]; readonly domain: string };
  readonly clusterDomain: string;
}

/** A reader of the node's current facts. */
export function nodeFacts(
  source: NodeFactsSource,
  hostDns: HostResolver,
  config: Pick<AgentConfig, "clusterDNS" | "clusterDomain">,
): () => AgentNodeFacts {
  const clusterDns =
    config.clusterDNS.length > 0 ? { servers: config.clusterDNS, domain: config.clusterDomain } : undefined;
  return () => {
    const node = source.node();
    const hostIPs = (node?.status?.addresses ?? [])
      .filter((a) => a.type === "InternalIP")
      .map((a) => a.address);
    const memory = node?.status?.capacity?.["memory"];
    return {
      hostIPs,
      memoryCapacityBytes: memory === undefined ? 0 : Number(parseQuantity(String(memory)).value()),
      allocatable: source.allocatable(),
      hostDns,
      ...(clusterDns !== undefined ? { clusterDns } : {}),
      clusterDomain: config.clusterDomain,
    };
  };
}

/**
 * What the kubepods cgroup may use (kubelet: getNodeAllocatableAbsolute, enforced with
 * enforceNodeAllocatable "pods"): capacity minus systemReserved and kubeReserved, floored at 0.
 * Unlike the Node's allocatable, hard eviction thresholds are not subtracted. Undefined before the
 * Node reports its capacity.
 */
export function kubepodsLimit(
  node: INode | undefined,
  config: Pick<AgentConfig, "systemReserved" | "kubeReserved">,
): { readonly cpuMilli: number; readonly memoryBytes: number } | undefined {
  const capacity = node?.status?.capacity;
  const cpu = capacity?.["cpu"];
  const memory = capacity?.["memory"];
  if (cpu === undefined || memory === undefined) return undefined;
  const reserved = (name: string, milli: boolean): bigint => {
    let sum = 0n;
    for (const list of [config.systemReserved, config.kubeReserved]) {
      const text = list[name];
      if (text !== undefined) sum += milli ? parseQuantity(text).milliValue() : parseQuantity(text).value();
    }
    return sum;
  };
  const floor = (n: bigint): number => Number(n < 0n ? 0n : n);
  return {
    cpuMilli: floor(parseQuantity(String(cpu)).milliValue() - reserved("cpu", true)),
    memoryBytes: floor(parseQuantity(String(memory)).value() - reserved("memory", false)),
  };
}
