/**
 * metrics.k8s.io/v1beta1: NodeMetrics and PodMetrics built from each node agent's /stats/summary
 * (what metrics-server computes from /metrics/resource), so `kubectl top node` and `kubectl top
 * pod` work with no extra component. Label selectors select the nodes and pods themselves.
 */
import { BerthError, ErrorCode, errorMessage } from "../../common/errors.js";
import { METRICS_KINDS, stringAt, type KubeObject, type ResourceDefinition } from "../registry/index.js";
import { agentAddress } from "./agent-target.js";
import type { Call } from "./call.js";
import { writeJson } from "./respond.js";
import { unsupported } from "./status.js";

const API_VERSION = "metrics.k8s.io/v1beta1";
/** The window the agents' CPU rates are computed over (stats.ts STATS_RATE_WINDOW_MS at least). */
const WINDOW = "1s";

interface Usage {
  time?: string;
  usageNanoCores?: number;
  workingSetBytes?: number;
}
interface Summary {
  node?: { cpu?: Usage; memory?: Usage };
  pods?: {
    podRef?: { name?: string; namespace?: string };
    containers?: { name?: string; cpu?: Usage; memory?: Usage }[];
  }[];
}

export function isMetricsKind(def: ResourceDefinition): boolean {
  return METRICS_KINDS.includes(def);
}

function usage(cpu: Usage | undefined, memory: Usage | undefined): Record<string, string> {
  return {
    cpu: `${Math.max(0, Math.round(cpu?.usageNanoCores ?? 0))}n`,
    memory: `${Math.floor((memory?.workingSetBytes ?? 0) / 1024)}Ki`,
  };
}

function meta(obj: KubeObject, now: Date): Record<string, unknown> {
  return {
    name: obj.metadata.name,
    ...(obj.metadata.namespace !== undefined ? { namespace: obj.metadata.namespace } : {}),
    creationTimestamp: now.toISOString().replace(/\.\d+Z$/, "Z"),
    ...(obj.metadata.labels !== undefined ? { labels: obj.metadata.labels } : {}),
  };
}

async function summaryOf(call: Call, node: KubeObject): Promise<Summary | undefined> {
  try {
    return (await call.ctx.proxy.getJson(agentAddress(node), "/stats/summary")) as Summary;
  } catch (err) {
    call.ctx.log.debug({ node: node.metadata.name, err: errorMessage(err) }, "no metrics from the node");
    return undefined;
  }
}

export async function serveMetrics(call: Call): Promise<void> {
  if (call.verb !== "get" && call.verb !== "list") {
    throw unsupported("MethodNotAllowed", `${call.def.kind} only allows get and list`);
  }
  const nodes = call.ctx.store("", "nodes");
  const pods = call.ctx.store("", "pods");
  if (nodes === undefined || pods === undefined)
    throw new BerthError(ErrorCode.Internal, "nodes and pods are not served");
  const now = call.ctx.now();
  const filter = call.select.filter;
  const name = call.info.name;
  const notFound = () =>
    new BerthError(
      ErrorCode.NotFound,
      `${call.def.kind === "NodeMetrics" ? "nodemetrics" : "podmetrics"}.metrics.k8s.io "${name ?? ""}" not found`,
      {
        details: { group: "metrics.k8s.io", kind: call.def.plural, name },
      },
    );
  if (call.def.kind === "NodeMetrics") {
    const list =
      name !== undefined
        ? [await nodes.get(undefined, name)]
        : (await nodes.list(undefined, filter ? { filter } : {})).items;
    const items: unknown[] = [];
    await Promise.all(
      list.map(async (node) => {
        const s = await summaryOf(call, node);
        if (s?.node === undefined) return;
        items.push({
          apiVersion: API_VERSION,
          kind: "NodeMetrics",
          metadata: meta(node, now),
          timestamp: s.node.cpu?.time ?? meta(node, now)["creationTimestamp"],
          window: WINDOW,
          usage: usage(s.node.cpu, s.node.memory),
        });
      }),
    );
    if (name !== undefined)
      return items[0] === undefined ? Promise.reject(notFound()) : writeJson(call.res, 200, items[0]);
    return writeJson(call.res, 200, {
      kind: "NodeMetricsList",
      apiVersion: API_VERSION,
      metadata: {},
      items,
    });
  }
  const podList =
    name !== undefined
      ? [await pods.get(call.info.namespace, name).catch(() => Promise.reject(notFound()))]
      : (await pods.list(call.info.namespace, filter ? { filter } : {})).items;
  const byNode = new Map<string, KubeObject[]>();
  for (const p of podList) {
    const node = stringAt(p, "spec", "nodeName");
    if (node !== "") byNode.set(node, [...(byNode.get(node) ?? []), p]);
  }
  const items: unknown[] = [];
  await Promise.all(
    [...byNode].map(async ([nodeName, podsOnNode]) => {
      const node = await nodes.get(undefined, nodeName).catch(() => undefined);
      const s = node === undefined ? undefined : await summaryOf(call, node);
      for (const p of podsOnNode) {
        const stats = s?.pods?.find(
          (x) => x.podRef?.name === p.metadata.name && x.podRef?.namespace === p.metadata.namespace,
        );
        if (stats === undefined) continue;
        const containers = (stats.containers ?? []).map((c) => ({
          name: c.name,
          usage: usage(c.cpu, c.memory),
        }));
        items.push({
          apiVersion: API_VERSION,
          kind: "PodMetrics",
          metadata: meta(p, now),
          timestamp: stats.containers?.[0]?.cpu?.time ?? meta(p, now)["creationTimestamp"],
          window: WINDOW,
          containers,
        });
      }
    }),
  );
  if (name !== undefined)
    return items[0] === undefined ? Promise.reject(notFound()) : writeJson(call.res, 200, items[0]);
  writeJson(call.res, 200, { kind: "PodMetricsList", apiVersion: API_VERSION, metadata: {}, items });
}
