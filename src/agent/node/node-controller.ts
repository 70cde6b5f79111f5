/**
 * NodeController: registers the Node, keeps its status (capacity, allocatable, nodeInfo, addresses,
 * conditions) and renews its heartbeat Lease; re-registers when the Node is deleted under it.
 * Status is computed every nodeStatusUpdateFrequency and written (PATCH nodes/status) when it
 * changed or nodeStatusReportFrequency has passed since the last write. Lifecycle: start(signal),
 * ready (registered, lease held, first status written), stop().
 */
import { isIP } from "node:net";
import type { INode, INodeStatus, ITaint } from "kubernetes-models/v1";
import { resourcePath, type ApiClient } from "../../api/index.js";
import type { Clock } from "../../common/clock.js";
import {
  BerthError,
  ErrorCode,
  errorMessage,
  isAlreadyExists,
  isConflict,
  isNotFound,
} from "../../common/errors.js";
import type { Logger } from "../../common/log.js";
import type { ContainerRuntime } from "../../runtime/index.js";
import {
  DEFAULT_EVICTION_HARD,
  DEFAULT_MAX_PODS,
  KUBELET_PORT,
  NODE_LEASE_DURATION_SECONDS,
  NODE_STATUS_REPORT_FREQUENCY_MS,
  NODE_STATUS_UPDATE_FREQUENCY_MS,
} from "../../config/index.js";
import type { EventRecorder, InvolvedObject } from "../events/recorder.js";
import { nodeResources, parseReservation, type NodeResources, type ResourceList } from "./allocatable.js";
import { pressureOf, updateConditions, type NodeCondition, type PressureState } from "./conditions.js";
import {
  EVENT_STARTING,
  LEASE_RETRY_INITIAL_MS,
  LEASE_RETRY_MAX_MS,
  NODE_LEASE_RENEW_INTERVAL_FRACTION,
  REGISTER_RETRY_INITIAL_MS,
  REGISTER_RETRY_MAX_MS,
  STARTING_MESSAGE,
  nodeStatusEventMessage,
} from "./constants.js";
import { parseEvictionThresholds, type EvictionThresholds } from "./eviction-thresholds.js";
import type { CapacitySource, MachineInfo } from "./machine.js";
import { rfc3339 } from "./micro-time.js";
import { initialNode, nodeLabels, nodeStatus, statusFingerprint } from "./node-object.js";
import { NodeLease } from "./node-lease.js";
import { checkRuntime } from "./runtime-health.js";
import { SystemCapacitySource } from "./system-capacity.js";

export interface NodeControllerConfig {
  readonly maxPods?: number;
  readonly systemReserved?: Readonly<Record<string, string>>;
  readonly kubeReserved?: Readonly<Record<string, string>>;
  readonly evictionHard?: Readonly<Record<string, string>>;
  /** Milliseconds between status computations. */
  readonly nodeStatusUpdateFrequency?: number;
  /** Milliseconds: the longest gap between status writes. */
  readonly nodeStatusReportFrequency?: number;
  readonly nodeLeaseDurationSeconds?: number;
  /** daemonEndpoints.kubeletEndpoint.Port. */
  readonly port?: number;
  /** The InternalIP; default: the address of the default-route interface. */
  readonly nodeIP?: string;
  /** Extra labels set on registration. */
  readonly labels?: Readonly<Record<string, string>>;
  /** Directory whose filesystem is the node's ephemeral storage (for the default capacity source). */
  readonly rootDir?: string;
}

export interface NodeControllerOptions {
  readonly client: ApiClient;
  readonly nodeName: string;
  readonly runtime: ContainerRuntime;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly recorder: EventRecorder;
  readonly config?: NodeControllerConfig;
  readonly capacitySource?: CapacitySource;
  /**
   * The pressure conditions as the eviction manager holds them (kubelet: IsUnderMemoryPressure and
   * its siblings); without it, pressure is judged on each measurement against evictionHard.
   */
  readonly pressure?: () => PressureState;
}

/** v1.TaintNodeMemoryPressure, TaintNodeDiskPressure, TaintNodePIDPressure, by condition. */
export const PRESSURE_TAINT_KEYS: Readonly<Record<keyof PressureState, string>> = {
  MemoryPressure: "node.kubernetes.io/memory-pressure",
  DiskPressure: "node.kubernetes.io/disk-pressure",
  PIDPressure: "node.kubernetes.io/pid-pressure",
};

/**
 * The node's taints with the pressure taints (NoSchedule) set as the conditions say; undefined
 * when they already are (kubelet with the node lifecycle controller's taintNodeByCondition).
 */
export function pressureTaints(current: readonly ITaint[], pressure: PressureState): ITaint[] | undefined {
  const managed = new Set(Object.values(PRESSURE_TAINT_KEYS));
  const wanted = (Object.keys(PRESSURE_TAINT_KEYS) as (keyof PressureState)[])
    .filter((c) => pressure[c])
    .map((c): ITaint => ({ key: PRESSURE_TAINT_KEYS[c], effect: "NoSchedule" }));
  const have = current.filter((t) => managed.has(t.key));
  const same =
    have.length === wanted.length &&
    wanted.every((w) => have.some((h) => h.key === w.key && h.effect === w.effect));
  if (same) return undefined;
  return [...current.filter((t) => !managed.has(t.key)), ...wanted];
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function configError(message: string): BerthError {
  return new BerthError(ErrorCode.Config, `node: ${message}`);
}

function positiveInteger(value: number, what: string): number {
  if (!Number.isInteger(value) || value <= 0)
    throw configError(`${what} must be a positive integer, not ${value}`);
  return value;
}

interface Resolved {
  readonly maxPods: number;
  readonly updateMs: number;
  readonly reportMs: number;
  readonly leaseSeconds: number;
  readonly port: number;
  readonly nodeIP: string | undefined;
  readonly labels: Readonly<Record<string, string>>;
  readonly thresholds: EvictionThresholds;
  readonly reserved: ReturnType<typeof parseReservation>[];
}

function resolve(config: NodeControllerConfig): Resolved {
  const port = config.port ?? KUBELET_PORT;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw configError(`port ${port} is out of range`);
  if (config.nodeIP !== undefined && isIP(config.nodeIP) === 0) {
    throw configError(`nodeIP ${JSON.stringify(config.nodeIP)} is not an IP address`);
  }
  return {
    maxPods: positiveInteger(config.maxPods ?? DEFAULT_MAX_PODS, "maxPods"),
    updateMs: positiveInteger(
      config.nodeStatusUpdateFrequency ?? NODE_STATUS_UPDATE_FREQUENCY_MS,
      "nodeStatusUpdateFrequency",
    ),
    reportMs: positiveInteger(
      config.nodeStatusReportFrequency ?? NODE_STATUS_REPORT_FREQUENCY_MS,
      "nodeStatusReportFrequency",
    ),
    leaseSeconds: positiveInteger(
      config.nodeLeaseDurationSeconds ?? NODE_LEASE_DURATION_SECONDS,
      "nodeLeaseDurationSeconds",
    ),
    port,
    nodeIP: config.nodeIP,
    labels: config.labels ?? {},
    thresholds: parseEvictionThresholds(config.evictionHard ?? DEFAULT_EVICTION_HARD),
    reserved: [
      parseReservation(config.systemReserved ?? {}, "systemReserved"),
      parseReservation(config.kubeReserved ?? {}, "kubeReserved"),
    ],
  };
}

/** undefined when healthy, else why not. */
export type HealthCheck = () => string | undefined;

const NO_PRESSURE: PressureState = { MemoryPressure: false, DiskPressure: false, PIDPressure: false };

export class NodeController {
  readonly nodeName: string;
  /** Resolves once the Node is registered, its lease held and its first status written. */
  readonly ready: Promise<void>;
  readonly #client: ApiClient;
  readonly #runtime: ContainerRuntime;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #recorder: EventRecorder;
  readonly #capacity: CapacitySource;
  readonly #pressureSource: (() => PressureState) | undefined;
  readonly #config: Resolved;
  readonly #lease: NodeLease;
  readonly #nodePath: string;
  readonly #ref: InvolvedObject;
  readonly #stop = new AbortController();
  readonly #readyListeners = new Set<(ready: boolean) => void>();
  readonly #healthChecks: { readonly name: string; readonly check: HealthCheck }[] = [];
  #resolveReady!: () => void;
  #rejectReady!: (err: unknown) => void;
  #machine: MachineInfo | undefined;
  #resources: NodeResources | undefined;
  #node: INode | undefined;
  #conditions: NodeCondition[] | undefined;
  #pressure: PressureState = NO_PRESSURE;
  #runtimeVersion = "";
  #lastFingerprint: string | undefined;
  #lastWriteMs = Number.NEGATIVE_INFINITY;
  #loops: Promise<void> | undefined;
  #sync: Promise<void> = Promise.resolve();

  constructor(options: NodeControllerOptions) {
    if (!DNS_SUBDOMAIN.test(options.nodeName) || options.nodeName.length > 253) {
      throw configError(`node name ${JSON.stringify(options.nodeName)} is not a lowercase DNS subdomain`);
    }
    this.nodeName = options.nodeName;
    this.#client = options.client;
    this.#runtime = options.runtime;
    this.#clock = options.clock;
    this.#log = options.logger.child({ component: "node", node: options.nodeName });
    this.#recorder = options.recorder;
    const config = options.config ?? {};
    this.#config = resolve(config);
    this.#capacity = options.capacitySource ?? new SystemCapacitySource(config.rootDir ?? "/");
    this.#pressureSource = options.pressure;
    this.#lease = new NodeLease(this.#client, this.nodeName, this.#config.leaseSeconds, this.#clock);
    this.#nodePath = resourcePath({ resource: "nodes", name: this.nodeName });
    // kubelet: the node reference of node events carries the node name as its uid.
    this.#ref = { kind: "Node", name: this.nodeName, uid: this.nodeName };
    this.ready = new Promise((resolve, reject) => {
      this.#resolveReady = resolve;
      this.#rejectReady = reject;
    });
    this.ready.catch(() => undefined);
  }

  /** Registers, then keeps status and lease going until the signal aborts or stop() is called. */
  start(signal: AbortSignal): void {
    if (this.#loops !== undefined) throw new BerthError(ErrorCode.Invalid, "node controller already started");
    signal.addEventListener("abort", () => this.#stop.abort(), { once: true });
    if (signal.aborted) this.#stop.abort();
    this.#loops = this.#run(this.#stop.signal);
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#loops;
  }

  /** The last Node object the server returned (undefined before registration). */
  node(): INode | undefined {
    return this.#node === undefined ? undefined : structuredClone(this.#node);
  }

  /** Allocatable resources for admission; a BerthError before the node is registered. */
  allocatable(): ResourceList {
    if (this.#resources === undefined) {
      throw new BerthError(ErrorCode.Internal, `node ${this.nodeName} is not registered yet`);
    }
    return { ...this.#resources.allocatable };
  }

  /** Calls the listener each time the node's Ready condition flips; returns an unsubscribe. */
  onReady(listener: (ready: boolean) => void): () => void {
    this.#readyListeners.add(listener);
    return () => this.#readyListeners.delete(listener);
  }

  /**
   * Adds a check that can hold the node NotReady (kubelet: runtimeState health checks, e.g. PLEG):
   * it returns undefined when healthy, else the reason, shown as "NAME is not healthy: REASON".
   */
  addHealthCheck(name: string, check: HealthCheck): void {
    if (!name) throw new BerthError(ErrorCode.Invalid, "a health check needs a name");
    this.#healthChecks.push({ name, check });
  }

  #healthErrors(): string[] {
    const errors: string[] = [];
    for (const { name, check } of this.#healthChecks) {
      let reason: string | undefined;
      try {
        reason = check();
      } catch (err) {
        reason = errorMessage(err);
      }
      if (reason !== undefined) errors.push(`${name} is not healthy: ${reason}`);
    }
    return errors;
  }

  /** Computes status now and writes it if it changed (or is due); serialized with the loop. */
  syncStatus(): Promise<void> {
    const next = this.#sync.then(() => this.#syncStatus(this.#stop.signal));
    this.#sync = next.catch(() => undefined);
    return next;
  }

  async #run(signal: AbortSignal): Promise<void> {
    try {
      this.#recorder.event(this.#ref, "Normal", EVENT_STARTING, STARTING_MESSAGE);
      await this.#retry(signal, REGISTER_RETRY_INITIAL_MS, REGISTER_RETRY_MAX_MS, "register node", () =>
        this.#register(signal),
      );
      await this.#retry(signal, LEASE_RETRY_INITIAL_MS, LEASE_RETRY_MAX_MS, "renew lease", () =>
        this.#renewLease(signal),
      );
      await this.#retry(signal, LEASE_RETRY_INITIAL_MS, LEASE_RETRY_MAX_MS, "update node status", () =>
        this.syncStatus(),
      );
      this.#log.info({ allocatable: this.#resources?.allocatable }, "node registered");
      this.#resolveReady();
    } catch (err) {
      this.#rejectReady(err);
      if (!signal.aborted) this.#log.error({ err }, "node controller failed");
      return;
    }
    const renewMs = Math.round(this.#config.leaseSeconds * 1000 * NODE_LEASE_RENEW_INTERVAL_FRACTION);
    await Promise.all([
      this.#every(signal, renewMs, "renew lease", () => this.#renewLease(signal)),
      this.#every(signal, this.#config.updateMs, "update node status", () => this.syncStatus()),
    ]);
  }

  /** Runs `fn` every `intervalMs`; a failure retries sooner, backing off up to the interval. */
  async #every(
    signal: AbortSignal,
    intervalMs: number,
    what: string,
    fn: () => Promise<unknown>,
  ): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.#clock.sleep(intervalMs, signal);
        await this.#retry(signal, LEASE_RETRY_INITIAL_MS, Math.min(LEASE_RETRY_MAX_MS, intervalMs), what, fn);
      } catch {
        if (signal.aborted) return;
      }
    }
  }

  /** Retries `fn` with doubling delays until it succeeds; throws only when the signal aborts. */
  async #retry(
    signal: AbortSignal,
    initialMs: number,
    maxMs: number,
    what: string,
    fn: () => Promise<unknown>,
  ): Promise<void> {
    let delay = initialMs;
    for (;;) {
      if (signal.aborted) throw signal.reason;
      try {
        await fn();
        return;
      } catch (err) {
        if (signal.aborted) throw signal.reason ?? err;
        this.#log.warn({ err: errorMessage(err), retryMs: delay }, `cannot ${what}`);
      }
      await this.#clock.sleep(delay, signal);
      delay = Math.min(delay * 2, maxMs);
    }
  }

  async #machineInfo(): Promise<MachineInfo> {
    if (this.#machine === undefined) {
      this.#machine = await this.#capacity.machineInfo();
      this.#resources = nodeResources(
        this.#machine,
        this.#config.maxPods,
        this.#config.reserved,
        this.#config.thresholds,
      );
    }
    return this.#machine;
  }

  /** Creates the Node, or adopts the existing one (agent restart) and sets the labels it owns. */
  async #register(signal: AbortSignal): Promise<void> {
    const machine = await this.#machineInfo();
    const labels = nodeLabels(this.nodeName, machine.architecture, this.#config.labels);
    const node = initialNode(this.nodeName, labels);
    try {
      this.#node = await this.#client.create<INode>(resourcePath({ resource: "nodes" }), node, { signal });
      this.#conditions = undefined;
      this.#lastFingerprint = undefined;
      this.#log.info("node created");
      return;
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
    const existing = await this.#client.get<INode>(this.#nodePath, { signal });
    this.#node = await this.#client.patch<INode>(
      this.#nodePath,
      { metadata: { labels, annotations: node.metadata?.annotations } },
      "merge",
      { signal },
    );
    this.#conditions = existing.status?.conditions;
    this.#lastFingerprint = undefined;
    this.#log.info("node exists, updated");
  }

  async #renewLease(signal: AbortSignal): Promise<void> {
    const uid = this.#node?.metadata?.uid;
    if (uid === undefined) throw new BerthError(ErrorCode.Internal, "lease renewal before registration");
    await this.#lease.renew(uid, signal);
  }

  async #syncStatus(signal: AbortSignal): Promise<void> {
    const machine = await this.#machineInfo();
    const resources = this.#resources as NodeResources;
    if (this.#pressureSource !== undefined) {
      this.#pressure = this.#pressureSource();
    } else {
      try {
        this.#pressure = pressureOf(
          await this.#capacity.measure(),
          machine.memoryBytes,
          this.#config.thresholds,
        );
      } catch (err) {
        this.#log.warn({ err: errorMessage(err) }, "cannot measure node; keeping the last pressure state");
      }
    }
    const runtimeErrors = [...(await checkRuntime(this.#runtime)), ...this.#healthErrors()];
    try {
      const v = await this.#runtime.version();
      this.#runtimeVersion = `${v.runtimeName}://${v.runtimeVersion}`;
    } catch {
      // keep the last known version while the runtime is away
    }
    // kubelet: each update starts from the Node as the server has it; a deleted Node is registered again.
    let current: INode;
    try {
      current = await this.#client.get<INode>(this.#nodePath, { signal });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      this.#log.warn("node was deleted; registering again");
      await this.#register(signal);
      await this.#renewLease(signal);
      current = this.#node as INode;
    }
    await this.#syncTaints(current, signal);
    const now = rfc3339(this.#clock.now());
    const update = updateConditions(current.status?.conditions, this.#pressure, runtimeErrors, now);
    const status = nodeStatus({
      nodeName: this.nodeName,
      machine,
      resources,
      conditions: update.conditions,
      nodeIP: this.#config.nodeIP,
      port: this.#config.port,
      containerRuntimeVersion: this.#runtimeVersion,
    });
    const fingerprint = statusFingerprint(status);
    const due = this.#clock.now() - this.#lastWriteMs >= this.#config.reportMs;
    if (fingerprint === this.#lastFingerprint && !due) return;
    await this.#writeStatus(status, signal);
    this.#lastFingerprint = fingerprint;
    this.#lastWriteMs = this.#clock.now();
    const wasReady = this.#conditions?.find((c) => c.type === "Ready")?.status;
    this.#conditions = update.conditions;
    for (const e of update.events) {
      this.#recorder.event(this.#ref, e.type, e.reason, nodeStatusEventMessage(this.nodeName, e.reason));
    }
    const isReady = update.conditions.find((c) => c.type === "Ready")?.status;
    if (wasReady !== isReady) {
      this.#log.info({ ready: isReady === "True" }, "node readiness changed");
      for (const listener of this.#readyListeners) {
        try {
          listener(isReady === "True");
        } catch (err) {
          this.#log.error({ err }, "ready listener threw");
        }
      }
    }
  }

  /**
   * Sets the pressure taints on the Node's spec, guarded by its resourceVersion so that a
   * concurrent writer of other taints (the node lifecycle controller) is never overwritten: a
   * conflict waits for the next status computation.
   */
  async #syncTaints(current: INode, signal: AbortSignal): Promise<void> {
    const taints = pressureTaints(current.spec?.taints ?? [], this.#pressure);
    if (taints === undefined) return;
    try {
      this.#node = await this.#client.patch<INode>(
        this.#nodePath,
        { metadata: { resourceVersion: current.metadata?.resourceVersion }, spec: { taints } },
        "merge",
        { signal },
      );
      this.#log.info({ taints: taints.map((t) => t.key) }, "node taints updated");
    } catch (err) {
      if (!isConflict(err)) throw err;
      this.#log.debug("node changed while its taints were updated; trying again at the next update");
    }
  }

  /** PATCH nodes/status; a Node deleted under the agent is registered again first. */
  async #writeStatus(status: INodeStatus, signal: AbortSignal): Promise<void> {
    const path = resourcePath({ resource: "nodes", name: this.nodeName, subresource: "status" });
    try {
      this.#node = await this.#client.patch<INode>(path, { status }, "strategic", { signal });
      return;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    this.#log.warn("node was deleted; registering again");
    await this.#register(signal);
    this.#node = await this.#client.patch<INode>(path, { status }, "strategic", { signal });
    await this.#renewLease(signal);
  }
}
