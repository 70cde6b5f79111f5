/**
 * The scheduler (kube-scheduler's Scheduler with one profile): reflectors keep pods, nodes and
 * what the plugins read; pending pods for this scheduler go through the queue one at a time; the
 * chosen node is assumed in the cache at once and the binding (pods/binding) is written in the
 * background; a pod that fits nowhere gets a FailedScheduling event and PodScheduled False.
 * With leader election, only the holder of the lease schedules; losing it ends the run.
 *
 * Lifecycle: start(signal), ready (caches synced), done (why the run ended), stop().
 */
import type { INamespace, INode, IPod } from "kubernetes-models/v1";
import {
  LeaderElector,
  Reflector,
  resourcePath,
  type ApiClient,
  type KubeObject,
  type LeaderElectionEnd,
  type LeaderElectionOptions,
  type ReflectorHandler,
} from "../api/index.js";
import { ApiEventRecorder } from "../agent/events/index.js";
import { systemClock, type Clock } from "../common/clock.js";
import { BerthError, ErrorCode, errorMessage, isNotFound } from "../common/errors.js";
import { createLogger, type Logger } from "../common/log.js";
import { isTerminal, SchedulerCache } from "./cache.js";
import { EVENT_PLUGINS, nodeSchedulingChanged, type ClusterEvent } from "./cluster-events.js";
import type { Profile } from "./framework.js";
import { podInfo, podKey } from "./pod-info.js";
import { defaultProfile, DEFAULT_SCHEDULER_NAME } from "./plugins/index.js";
import { SchedulingQueue, type QueuedPod } from "./queue.js";
import { schedulePod } from "./schedule-one.js";
import { clusterView, type Workload, type WorkloadKind } from "./workloads.js";

/** Bindings written at once; the next pod's cycle waits for a free slot. */
export const SCHEDULER_MAX_BINDINGS_IN_FLIGHT = 16;
/** Pause between failed discovery reads at start. */
export const DISCOVERY_RETRY_MS = 1_000;
// core/v1: PodReasonUnschedulable, PodReasonSchedulerError
export const REASON_UNSCHEDULABLE = "Unschedulable";
export const REASON_SCHEDULER_ERROR = "SchedulerError";

export interface SchedulerOptions {
  readonly client: ApiClient;
  readonly schedulerName?: string;
  readonly clock?: Clock;
  readonly log?: Logger;
  readonly random?: () => number;
  /** Schedule only while holding this lease; absent: always. */
  readonly leaderElection?: Omit<LeaderElectionOptions, "client" | "clock" | "log">;
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
}

/** The end of a run: the lease was lost, or stop()/the signal ended it. */
export type SchedulerEnd = LeaderElectionEnd;

const WORKLOAD_RESOURCES: readonly { kind: WorkloadKind; group: string; resource: string }[] = [
  { kind: "Service", group: "", resource: "services" },
  { kind: "ReplicationController", group: "", resource: "replicationcontrollers" },
  { kind: "ReplicaSet", group: "apps", resource: "replicasets" },
  { kind: "StatefulSet", group: "apps", resource: "statefulsets" },
];

export class Scheduler {
  readonly ready: Promise<void>;
  readonly done: Promise<SchedulerEnd>;
  readonly #client: ApiClient;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #random: () => number;
  readonly #options: SchedulerOptions;
  readonly #cache = new SchedulerCache();
  readonly #queue: SchedulingQueue;
  readonly #recorder: ApiEventRecorder;
  readonly #profile: Profile;
  readonly #pods: Reflector<IPod & KubeObject>;
  readonly #nodes: Reflector<INode & KubeObject>;
  readonly #namespaces: Reflector<INamespace & KubeObject>;
  readonly #workloads = new Map<WorkloadKind, Reflector<Workload>>();
  readonly #bindings = new Set<Promise<void>>();
  #markReady: () => void = () => undefined;
  #failReady: (err: unknown) => void = () => undefined;
  #markDone: (end: SchedulerEnd) => void = () => undefined;
  #controller: AbortController | undefined;
  #running: Promise<void> | undefined;
  #elector: LeaderElector | undefined;

  constructor(options: SchedulerOptions) {
    this.#options = options;
    this.#client = options.client;
    this.#clock = options.clock ?? systemClock;
    this.#log = options.log ?? createLogger({ name: "scheduler" });
    this.#random = options.random ?? Math.random;
    this.#queue = new SchedulingQueue({
      clock: this.#clock,
      ...(options.initialBackoffMs === undefined ? {} : { initialBackoffMs: options.initialBackoffMs }),
      ...(options.maxBackoffMs === undefined ? {} : { maxBackoffMs: options.maxBackoffMs }),
    });
    const schedulerName = options.schedulerName ?? DEFAULT_SCHEDULER_NAME;
    this.#recorder = new ApiEventRecorder({
      client: options.client,
      component: schedulerName,
      host: "",
      clock: this.#clock,
      logger: this.#log,
      // kube-scheduler records through events.k8s.io, which never combines similar events
      combineSimilar: false,
    });
    this.#profile = defaultProfile(
      clusterView({
        list: (kind, namespace) =>
          (this.#workloads.get(kind)?.list() ?? []).filter((w) => w.metadata?.namespace === namespace),
        get: (kind, namespace, name) => this.#workloads.get(kind)?.get(`${namespace}/${name}`),
        namespace: (name) => this.#namespaces.get(name),
      }),
      schedulerName,
    );
    const reflect = <T>(path: string, handler: ReflectorHandler<T & KubeObject>) =>
      new Reflector<T & KubeObject>({
        client: this.#client,
        path,
        handler,
        clock: this.#clock,
        log: this.#log,
      });
    this.#pods = reflect<IPod>(resourcePath({ resource: "pods" }), {
      onAdd: (pod) => this.#podAdded(pod),
      onUpdate: (old, pod) => this.#podUpdated(old, pod),
      onDelete: (pod) => this.#podDeleted(pod),
    });
    this.#nodes = reflect<INode>(resourcePath({ resource: "nodes" }), {
      onAdd: (node) => {
        this.#cache.setNode(node);
        this.#move("NodeAdd");
      },
      onUpdate: (old, node) => {
        this.#cache.setNode(node);
        if (nodeSchedulingChanged(old, node)) this.#move("NodeUpdate");
      },
      onDelete: (node) => this.#cache.removeNode(node),
    });
    this.#namespaces = reflect<INamespace>(resourcePath({ resource: "namespaces" }), {
      onUpdate: (old, ns) => {
        if (JSON.stringify(old.metadata?.labels) !== JSON.stringify(ns.metadata?.labels)) {
          this.#move("NamespaceUpdate");
        }
      },
    });
    this.ready = new Promise((resolve, reject) => {
      this.#markReady = resolve;
      this.#failReady = reject;
    });
    this.ready.catch(() => undefined);
    this.done = new Promise((resolve) => (this.#markDone = resolve));
  }

  get schedulerName(): string {
    return this.#profile.schedulerName;
  }

  /** Sizes of the scheduling queue. */
  get queueSizes(): { active: number; backoff: number; unschedulable: number } {
    return this.#queue.sizes;
  }

  start(signal?: AbortSignal): void {
    if (this.#controller) throw new BerthError(ErrorCode.Internal, "scheduler already started");
    const controller = new AbortController();
    this.#controller = controller;
    const forward = (): void => controller.abort(signal?.reason);
    if (signal?.aborted) forward();
    signal?.addEventListener("abort", forward, { once: true });
    this.#running = this.#run(controller.signal)
      .catch((err: unknown) => {
        this.#failReady(err);
        throw err;
      })
      .finally(() => signal?.removeEventListener("abort", forward));
    this.#running.catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.#controller?.abort();
    await this.#running?.catch(() => undefined);
  }

  async #run(signal: AbortSignal): Promise<void> {
    const reflectors: Reflector<KubeObject>[] = [this.#pods, this.#nodes, this.#namespaces];
    let queueLoop: Promise<void> = Promise.resolve();
    let end: SchedulerEnd = "stopped";
    try {
      for (const w of await this.#servedWorkloads(signal)) {
        const r = new Reflector<Workload>({
          client: this.#client,
          path: resourcePath({ group: w.group, resource: w.resource }),
          handler: {},
          clock: this.#clock,
          log: this.#log,
        });
        this.#workloads.set(w.kind, r);
        reflectors.push(r);
      }
      for (const r of reflectors) r.start(signal);
      queueLoop = this.#queue.run(signal);
      await Promise.race([
        Promise.all(reflectors.map((r) => r.ready)),
        new Promise((_, reject) =>
          signal.addEventListener("abort", () => reject(signal.reason), { once: true }),
        ),
      ]);
      this.#markReady();
      this.#log.info({ schedulerName: this.schedulerName }, "caches synced");
      let leading = signal;
      if (this.#options.leaderElection !== undefined) {
        const elector = new LeaderElector({
          ...this.#options.leaderElection,
          client: this.#client,
          clock: this.#clock,
          log: this.#log,
        });
        this.#elector = elector;
        elector.start(signal);
        const elected = await Promise.race([elector.elected, elector.ended]);
        if (typeof elected === "string") return;
        leading = AbortSignal.any([signal, elected]);
      }
      await this.#scheduleLoop(leading);
      if (this.#elector !== undefined && !signal.aborted) end = await this.#elector.ended;
    } catch (err) {
      if (!signal.aborted) throw err;
    } finally {
      this.#controller?.abort();
      await Promise.allSettled([...this.#bindings]);
      await this.#elector?.stop();
      await Promise.all(reflectors.map((r) => r.stop()));
      await queueLoop;
      await this.#recorder.close();
      this.#failReady(new BerthError(ErrorCode.Internal, "scheduler stopped before its caches synced"));
      this.#markDone(end);
    }
  }

  /** The workload kinds the API server serves (a 404 discovery document: none of that group). */
  async #servedWorkloads(signal: AbortSignal): Promise<typeof WORKLOAD_RESOURCES> {
    const served = new Set<string>();
    for (const path of ["/api/v1", "/apis/apps/v1"]) {
      for (;;) {
        try {
          const list = await this.#client.get<{ resources?: { name: string }[] }>(path, { signal });
          const group = path === "/api/v1" ? "" : "apps";
          for (const r of list.resources ?? []) served.add(`${group}/${r.name}`);
          break;
        } catch (err) {
          if (isNotFound(err)) break;
          if (signal.aborted) throw err;
          this.#log.warn({ path, err: errorMessage(err) }, "API discovery failed, retrying");
          await this.#clock.sleep(DISCOVERY_RETRY_MS, signal);
        }
      }
    }
    return WORKLOAD_RESOURCES.filter((w) => served.has(`${w.group}/${w.resource}`));
  }

  async #scheduleLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      let entry: QueuedPod;
      try {
        entry = await this.#queue.pop(signal);
      } catch {
        return;
      }
      this.#scheduleOne(entry);
      while (this.#bindings.size >= SCHEDULER_MAX_BINDINGS_IN_FLIGHT) await Promise.race(this.#bindings);
      // let watch events and binding answers in between cycles
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  #responsible(pod: IPod): boolean {
    return (pod.spec?.schedulerName ?? DEFAULT_SCHEDULER_NAME) === this.schedulerName;
  }

  /** A pending pod this scheduler should place (not gated, not being deleted, not finished). */
  #pending(pod: IPod): boolean {
    return (
      !pod.spec?.nodeName &&
      this.#responsible(pod) &&
      !isTerminal(pod) &&
      !pod.metadata?.deletionTimestamp &&
      (pod.spec?.schedulingGates ?? []).length === 0
    );
  }

  #scheduleOne(entry: QueuedPod): void {
    const pod = this.#pods.get(entry.key);
    if (pod === undefined || !this.#pending(pod) || this.#cache.isAssumed(pod)) {
      this.#queue.done(entry.key);
      return;
    }
    entry.pod = pod;
    const info = podInfo(pod);
    const result = schedulePod(this.#profile, info, this.#cache.nodeInfos(), { random: this.#random });
    const log = this.#log.child({ pod: entry.key });
    if (result.kind === "unschedulable") {
      entry.rejectedBy =
        result.failures.size === 0 ? undefined : new Set([...result.failures.values()].map((f) => f.plugin));
      log.debug({ message: result.message }, "unable to schedule pod");
      this.#failed(entry, REASON_UNSCHEDULABLE, result.message);
      return;
    }
    this.#cache.assume(pod, result.node);
    this.#queue.done(entry.key);
    log.debug({ node: result.node, feasible: result.feasible }, "assumed pod on node");
    const binding = this.#bind(entry, pod, result.node).finally(() => this.#bindings.delete(binding));
    this.#bindings.add(binding);
  }

  async #bind(entry: QueuedPod, pod: IPod, node: string): Promise<void> {
    const namespace = pod.metadata?.namespace ?? "";
    const name = pod.metadata?.name ?? "";
    try {
      await this.#client.create(resourcePath({ resource: "pods", namespace, name, subresource: "binding" }), {
        apiVersion: "v1",
        kind: "Binding",
        metadata: { name, namespace, ...(pod.metadata?.uid ? { uid: pod.metadata.uid } : {}) },
        target: { apiVersion: "v1", kind: "Node", name: node },
      });
    } catch (err) {
      this.#cache.forget(pod);
      const message = `Binding rejected: ${errorMessage(err)}`;
      this.#log.warn({ pod: entry.key, node, err: errorMessage(err) }, "binding failed");
      if (isNotFound(err)) return;
      this.#failed(entry, REASON_SCHEDULER_ERROR, message);
      return;
    }
    this.#recorder.event(
      this.#involved(pod),
      "Normal",
      "Scheduled",
      `Successfully assigned ${namespace}/${name} to ${node}`,
    );
  }

  #involved(pod: IPod) {
    return {
      kind: "Pod" as const,
      name: pod.metadata?.name ?? "",
      namespace: pod.metadata?.namespace ?? "",
      uid: pod.metadata?.uid ?? "",
      apiVersion: "v1",
    };
  }

  /** handleSchedulingFailure: event, back to the queue, PodScheduled False. */
  #failed(entry: QueuedPod, reason: string, message: string): void {
    const pod = entry.pod;
    this.#recorder.event(this.#involved(pod), "Warning", "FailedScheduling", message);
    const current = this.#pods.get(entry.key);
    if (current === undefined || !this.#pending(current)) {
      this.#queue.done(entry.key);
      return;
    }
    if (reason === REASON_UNSCHEDULABLE) this.#queue.addUnschedulable(entry);
    else this.#queue.addBackoff(entry);
    void this.#setCondition(current, reason, message);
  }

  async #setCondition(pod: IPod, reason: string, message: string): Promise<void> {
    const old = pod.status?.conditions?.find((c) => c.type === "PodScheduled");
    if (old?.status === "False" && old.reason === reason && old.message === message) return;
    const now = `${new Date(this.#clock.now()).toISOString().slice(0, 19)}Z`;
    const condition = {
      type: "PodScheduled",
      status: "False",
      reason,
      message,
      lastProbeTime: null,
      lastTransitionTime: old?.status === "False" ? (old.lastTransitionTime ?? now) : now,
    };
    try {
      await this.#client.patch(
        resourcePath({
          resource: "pods",
          namespace: pod.metadata?.namespace ?? "",
          name: pod.metadata?.name ?? "",
          subresource: "status",
        }),
        { status: { conditions: [condition] } },
        "strategic",
      );
    } catch (err) {
      if (!isNotFound(err))
        this.#log.warn({ pod: podKey(pod), err: errorMessage(err) }, "cannot update pod condition");
    }
  }

  #move(event: ClusterEvent): void {
    this.#queue.moveAllToActiveOrBackoff(EVENT_PLUGINS[event]);
  }

  #podAdded(pod: IPod): void {
    if (pod.spec?.nodeName) {
      this.#cache.setPod(pod);
      this.#queue.delete(pod);
      this.#move("AssignedPodAdd");
    } else if (this.#pending(pod)) {
      this.#queue.add(pod);
    }
  }

  #podUpdated(old: IPod, pod: IPod): void {
    if (pod.spec?.nodeName) {
      this.#cache.setPod(pod);
      this.#queue.delete(pod);
      if (!old.spec?.nodeName) this.#move("AssignedPodAdd");
      else if (isTerminal(pod) && !isTerminal(old)) this.#move("AssignedPodDelete");
      else if (JSON.stringify(old.metadata?.labels) !== JSON.stringify(pod.metadata?.labels)) {
        this.#move("AssignedPodUpdate");
      }
      return;
    }
    if (this.#pending(pod)) this.#queue.update(pod);
    else this.#queue.delete(pod);
  }

  #podDeleted(pod: IPod): void {
    this.#queue.delete(pod);
    const wasCounted = Boolean(pod.spec?.nodeName) || this.#cache.isAssumed(pod);
    this.#cache.removePod(pod);
    if (wasCounted) this.#move("AssignedPodDelete");
  }
}
