/**
 * A hollow node for control-plane tests (kubemark's hollow kubelet, reduced, in the test process):
 * it registers a Ready Node, binds every unscheduled pod it is told to take, reports bound pods
 * Running and Ready after `startMs`, and finishes graceful deletions after `stopMs`, as an agent
 * would, without running containers. `stop()` makes it silent, as a dead node is.
 */
import type { IPod } from "kubernetes-models/v1";
import { Reflector, resourcePath, type ApiClient, type KubeObject } from "../../src/api/index.js";

type Pod = IPod & KubeObject;

/** Lease renewals (the agent renews every 10 s; the test control plane's grace period is 4 s). */
const LEASE_RENEW_MS = 1000;

export interface HollowNodeOptions {
  readonly api: ApiClient;
  readonly name: string;
  /** Which pods without a node this node binds (a stand-in for the scheduler); default all. */
  readonly binds?: (pod: IPod) => boolean;
  readonly startMs?: number;
  readonly stopMs?: number;
}

function microNow(): string {
  return new Date().toISOString().replace("Z", "000Z");
}

export class HollowNode {
  readonly #o: HollowNodeOptions;
  readonly #stop = new AbortController();
  readonly #handled = new Set<string>();
  #reflector: Reflector<Pod> | undefined;
  #heartbeat: NodeJS.Timeout | undefined;

  constructor(options: HollowNodeOptions) {
    this.#o = options;
  }

  get name(): string {
    return this.#o.name;
  }

  async start(): Promise<void> {
    const { api, name } = this.#o;
    const now = new Date().toISOString().slice(0, 19) + "Z";
    await api.create(resourcePath({ resource: "nodes" }), {
      apiVersion: "v1",
      kind: "Node",
      metadata: { name, labels: { "kubernetes.io/hostname": name, type: "hollow" } },
      status: {
        conditions: [
          {
            type: "Ready",
            status: "True",
            reason: "KubeletReady",
            message: "hollow node",
            lastHeartbeatTime: now,
            lastTransitionTime: now,
          },
        ],
        capacity: { cpu: "64", memory: "256Gi", pods: "2000" },
        allocatable: { cpu: "64", memory: "256Gi", pods: "2000" },
        addresses: [{ type: "InternalIP", address: "127.0.0.1" }],
      },
    });
    await this.#renewLease();
    this.#heartbeat = setInterval(() => void this.#renewLease().catch(() => undefined), LEASE_RENEW_MS);
    this.#reflector = new Reflector<Pod>({
      client: api,
      path: "/api/v1/pods",
      handler: { onAdd: (p) => this.#react(p), onUpdate: (_o, p) => this.#react(p) },
    });
    this.#reflector.start(this.#stop.signal);
    await this.#reflector.ready;
  }

  async #renewLease(): Promise<void> {
    const { api, name } = this.#o;
    const path = resourcePath({
      group: "coordination.k8s.io",
      resource: "leases",
      namespace: "kube-node-lease",
    });
    const spec = { holderIdentity: name, leaseDurationSeconds: 40, renewTime: microNow() };
    try {
      const lease = await api.get<KubeObject>(`${path}/${name}`);
      await api.update(`${path}/${name}`, { ...lease, spec });
    } catch {
      await api
        .create(path, { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name }, spec })
        .catch(() => undefined);
    }
  }

  #react(pod: Pod): void {
    if (this.#stop.signal.aborted) return;
    const meta = pod.metadata ?? {};
    const key = `${meta.uid}/${meta.deletionTimestamp ? "delete" : pod.spec?.nodeName ? "run" : "bind"}`;
    if (this.#handled.has(key)) return;
    const node = pod.spec?.nodeName ?? "";
    if (meta.deletionTimestamp !== undefined) {
      if (node !== this.#o.name) return;
      this.#handled.add(key);
      this.#later(this.#o.stopMs ?? 200, () =>
        this.#o.api.delete(podPath(pod), { gracePeriodSeconds: 0, preconditions: { uid: meta.uid ?? "" } }),
      );
      return;
    }
    if (node === "") {
      if (this.#o.binds !== undefined && !this.#o.binds(pod)) return;
      this.#handled.add(key);
      void this.#o.api
        .create(`${podPath(pod)}/binding`, {
          apiVersion: "v1",
          kind: "Binding",
          metadata: { name: meta.name },
          target: { kind: "Node", name: this.#o.name },
        })
        .catch(() => undefined);
      return;
    }
    if (node !== this.#o.name || pod.status?.phase === "Running") return;
    this.#handled.add(key);
    this.#later(this.#o.startMs ?? 200, async () => {
      const t = new Date().toISOString().slice(0, 19) + "Z";
      const current = await this.#o.api.get<Pod>(podPath(pod));
      if (current.metadata?.deletionTimestamp !== undefined) return;
      await this.#o.api.update(`${podPath(pod)}/status`, {
        ...current,
        status: {
          ...current.status,
          phase: "Running",
          hostIP: "127.0.0.1",
          podIP: "10.0.0.1",
          startTime: t,
          conditions: [
            { type: "PodScheduled", status: "True", lastTransitionTime: t },
            { type: "Initialized", status: "True", lastTransitionTime: t },
            { type: "ContainersReady", status: "True", lastTransitionTime: t },
            { type: "Ready", status: "True", lastTransitionTime: t },
          ],
          containerStatuses: (current.spec?.containers ?? []).map((c) => ({
            name: c.name,
            image: c.image ?? "",
            imageID: "",
            ready: true,
            restartCount: 0,
            started: true,
            state: { running: { startedAt: t } },
          })),
        },
      });
    });
  }

  #later(ms: number, fn: () => Promise<unknown>): void {
    const timer = setTimeout(() => {
      if (!this.#stop.signal.aborted) void fn().catch(() => undefined);
    }, ms);
    this.#stop.signal.addEventListener("abort", () => clearTimeout(timer), { once: true });
  }

  /** Goes silent: no more heartbeats, status or deletions (a node that died). */
  async stop(): Promise<void> {
    clearInterval(this.#heartbeat);
    this.#stop.abort();
    await this.#reflector?.stop();
  }
}

function podPath(pod: Pod): string {
  return resourcePath({
    resource: "pods",
    namespace: pod.metadata?.namespace ?? "default",
    name: pod.metadata?.name ?? "",
  });
}
