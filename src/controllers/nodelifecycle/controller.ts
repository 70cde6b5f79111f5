/**
 * The node lifecycle controller (pkg/controller/nodelifecycle with the taint eviction manager):
 * a node whose Lease (and Ready heartbeat) has not changed for nodeMonitorGracePeriod, as seen on
 * this controller's own clock, gets its conditions set to Unknown ("Kubelet stopped posting node
 * status."), its pods marked not ready, and the unreachable taints; a NotReady node gets the
 * not-ready taints; a Ready node loses both. Pods on a node with NoExecute taints are deleted once
 * their tolerationSeconds have passed since the taint was added (at once without a toleration).
 */
import type { ILease } from "kubernetes-models/coordination.k8s.io/v1";
import type { INodeCondition, ITaint } from "kubernetes-models/v1";
import { resourcePath, type ApiClient, type KubeObject } from "../../api/index.js";
import type { EventRecorder } from "../../agent/events/index.js";
import type { Clock } from "../../common/clock.js";
import { errorMessage, isConflict, isNotFound } from "../../common/errors.js";
import type { Logger } from "../../common/log.js";
import type { Informer } from "../informers/index.js";
import { rfc3339, timeOf, type Node, type Pod } from "../util/index.js";
import { mergeTaints, toleratedSeconds, wantedTaints } from "./taints.js";

export const NODE_MONITOR_GRACE_PERIOD_MS = 40_000; // --node-monitor-grace-period
export const NODE_MONITOR_PERIOD_MS = 5_000; // --node-monitor-period
const NODE_CONDITIONS = ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"];

type Lease = ILease & KubeObject;

export interface NodeLifecycleOptions {
  readonly client: Pick<ApiClient, "get" | "update" | "delete">;
  readonly nodes: Informer<Node>;
  readonly leases: Informer<Lease>;
  readonly pods: Informer<Pod>;
  readonly recorder: EventRecorder;
  readonly clock: Clock;
  readonly log: Logger;
  readonly gracePeriodMs?: number;
  readonly monitorPeriodMs?: number;
}

interface Probe {
  readonly heartbeat: string;
  readonly observedAt: number;
}

export class NodeLifecycleController {
  readonly #o: NodeLifecycleOptions;
  readonly #log: Logger;
  readonly #probes = new Map<string, Probe>();
  readonly #evicted = new Set<string>();

  constructor(options: NodeLifecycleOptions) {
    this.#o = options;
    this.#log = options.log.child({ controller: "nodelifecycle" });
  }

  async run(signal: AbortSignal): Promise<void> {
    const period = this.#o.monitorPeriodMs ?? NODE_MONITOR_PERIOD_MS;
    while (!signal.aborted) {
      for (const node of this.#o.nodes.list()) {
        try {
          await this.#monitor(node);
          await this.#evict(node.metadata.name ?? "");
        } catch (err) {
          this.#log.info({ node: node.metadata.name, err: errorMessage(err) }, "node monitoring failed");
        }
      }
      await this.#o.clock.sleep(period, signal).catch(() => undefined);
    }
  }

  /** tryUpdateNodeHealth and the taints that follow from it. */
  async #monitor(cached: Node): Promise<void> {
    const name = cached.metadata.name ?? "";
    const now = this.#o.clock.now();
    const lease = this.#o.leases.get(`kube-node-lease/${name}`);
    const ready = cached.status?.conditions?.find((c) => c.type === "Ready");
    const heartbeat = `${lease?.spec?.renewTime ?? ""}|${ready?.lastHeartbeatTime ?? ""}`;
    const probe = this.#probes.get(name);
    if (probe === undefined || probe.heartbeat !== heartbeat)
      this.#probes.set(name, { heartbeat, observedAt: now });
    const observedAt = this.#probes.get(name)?.observedAt ?? now;
    const grace = this.#o.gracePeriodMs ?? NODE_MONITOR_GRACE_PERIOD_MS;
    let node = cached;
    if (now - observedAt > grace && ready?.status !== "Unknown") {
      node = await this.#markUnknown(name, now);
      this.#log.info({ node: name }, "node stopped posting status; Ready is Unknown");
      await this.#markPodsNotReady(name, now);
    }
    const status = node.status?.conditions?.find((c) => c.type === "Ready")?.status;
    const taints = mergeTaints(node.spec?.taints ?? [], wantedTaints(status, rfc3339(now)));
    if (taints !== undefined) {
      const live = await this.#o.client.get<Node>(resourcePath({ resource: "nodes", name }));
      const merged = mergeTaints(live.spec?.taints ?? [], wantedTaints(status, rfc3339(now)));
      if (merged === undefined) return;
      await this.#o.client.update(resourcePath({ resource: "nodes", name }), {
        ...live,
        spec: { ...live.spec, taints: merged },
      });
    }
  }

  async #markUnknown(name: string, now: number): Promise<Node> {
    const path = resourcePath({ resource: "nodes", name });
    const live = await this.#o.client.get<Node>(path);
    const t = rfc3339(now);
    const conditions: INodeCondition[] = (live.status?.conditions ?? []).map((c) =>
      NODE_CONDITIONS.includes(c.type)
        ? {
            ...c,
            status: "Unknown",
            reason: "NodeStatusUnknown",
            message: "Kubelet stopped posting node status.",
            lastTransitionTime: c.status === "Unknown" ? c.lastTransitionTime : t,
          }
        : c,
    );
    return this.#o.client.update<Node>(`${path}/status`, { ...live, status: { ...live.status, conditions } });
  }

  /** MarkPodsNotReady */
  async #markPodsNotReady(node: string, now: number): Promise<void> {
    for (const pod of this.#o.pods.list().filter((p) => p.spec?.nodeName === node)) {
      const conditions = pod.status?.conditions ?? [];
      if (!conditions.some((c) => c.type === "Ready" && c.status !== "False")) continue;
      const path = resourcePath({
        resource: "pods",
        namespace: pod.metadata.namespace ?? "",
        name: pod.metadata.name ?? "",
      });
      const next = conditions.map((c) =>
        c.type === "Ready" ? { ...c, status: "False", lastTransitionTime: rfc3339(now) } : c,
      );
      try {
        await this.#o.client.update(`${path}/status`, {
          ...pod,
          status: { ...pod.status, conditions: next },
        });
      } catch (err) {
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
    }
  }

  /** The taint eviction manager's work for one node. */
  async #evict(nodeName: string): Promise<void> {
    const node = this.#o.nodes.get(nodeName);
    const taints = (node?.spec?.taints ?? []).filter((t: ITaint) => t.effect === "NoExecute");
    if (taints.length === 0) return;
    const since = Math.max(...taints.map((t) => timeOf(t.timeAdded)));
    const now = this.#o.clock.now();
    for (const pod of this.#o.pods.list()) {
      if (pod.spec?.nodeName !== nodeName || pod.metadata.deletionTimestamp !== undefined) continue;
      const seconds = toleratedSeconds(pod.spec.tolerations ?? [], taints);
      if (seconds === Number.POSITIVE_INFINITY || now < since + seconds * 1000) continue;
      const uid = pod.metadata.uid ?? "";
      if (this.#evicted.has(uid)) continue;
      this.#evicted.add(uid);
      const ns = pod.metadata.namespace ?? "";
      const name = pod.metadata.name ?? "";
      this.#o.recorder.event(
        { kind: "Pod", apiVersion: "v1", name, namespace: ns, uid },
        "Normal",
        "TaintManagerEviction",
        `Marking for deletion Pod ${ns}/${name}`,
      );
      try {
        await this.#o.client.delete(resourcePath({ resource: "pods", namespace: ns, name }), {
          preconditions: { uid },
        });
      } catch (err) {
        if (!isNotFound(err) && !isConflict(err)) {
          this.#evicted.delete(uid);
          throw err;
        }
      }
    }
  }
}
