/**
 * `berth controller-manager` (kube-controller-manager, reduced): one process that talks only to
 * the API server. It runs for leader election through the kube-system/kube-controller-manager
 * Lease; once elected it starts the shared informers and every controller, and when leadership is
 * lost it stops them (the process exits, as kube-controller-manager does).
 *
 * Lifecycle: start(signal), ready (a candidate, running for election), stop(); `ended` resolves
 * with why the term ended.
 */
import { hostname } from "node:os";
import { randomUUID } from "node:crypto";
import {
  LEADER_ELECTION_NAMESPACE,
  LeaderElector,
  type ApiClient,
  type LeaderElectionEnd,
} from "../api/index.js";
import { ApiEventRecorder } from "../agent/events/index.js";
import { systemClock, type Clock } from "../common/clock.js";
import { errorMessage } from "../common/errors.js";
import type { Logger } from "../common/log.js";
import { DeploymentController } from "./deployment/index.js";
import { discoverResources } from "./discovery.js";
import { GarbageCollector } from "./garbagecollector/index.js";
import { InformerFactory } from "./informers/index.js";
import { NamespaceController } from "./namespace/index.js";
import { NodeLifecycleController } from "./nodelifecycle/index.js";
import { RangeAllocator } from "./nodeipam/index.js";
import { ReplicaSetController } from "./replicaset/index.js";
import type { Deployment, Node, Pod, ReplicaSet } from "./util/index.js";

/** kube-controller-manager's lock name in kube-system. */
export const CONTROLLER_MANAGER_LEASE = "kube-controller-manager";
/** How soon discovery is tried again when the API server does not answer. */
export const DISCOVERY_RETRY_MS = 1000;

export interface ControllerManagerOptions {
  readonly client: ApiClient;
  readonly log: Logger;
  readonly clock?: Clock;
  /** holderIdentity; hostname_uuid by default, as upstream. */
  readonly identity?: string;
  /** Run for election (default); false runs the controllers at once. */
  readonly leaderElect?: boolean;
  readonly leaseDurationMs?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
  /** --node-monitor-grace-period and --node-monitor-period */
  readonly nodeMonitorGracePeriodMs?: number;
  readonly nodeMonitorPeriodMs?: number;
  /** --allocate-node-cidrs with --cluster-cidr: node IPAM hands each node a block of this CIDR. */
  readonly clusterCidr?: string;
  /** --node-cidr-mask-size */
  readonly nodeCidrMaskSize?: number;
}

/** A controller as the manager runs it: workers until the signal aborts. */
interface Runnable {
  run(signal: AbortSignal): Promise<void>;
}

export class ControllerManager {
  readonly ready: Promise<void>;
  readonly ended: Promise<LeaderElectionEnd>;
  readonly identity: string;
  readonly #opts: ControllerManagerOptions;
  readonly #clock: Clock;
  readonly #log: Logger;
  #elector: LeaderElector | undefined;
  #markReady: () => void = () => undefined;
  #markEnded: (end: LeaderElectionEnd) => void = () => undefined;
  #running: Promise<void> | undefined;
  #stopControllers: AbortController | undefined;
  readonly #recorders: ApiEventRecorder[] = [];

  constructor(opts: ControllerManagerOptions) {
    this.#opts = opts;
    this.#clock = opts.clock ?? systemClock;
    this.#log = opts.log;
    this.identity = opts.identity ?? `${hostname()}_${randomUUID()}`;
    this.ready = new Promise((resolve) => (this.#markReady = resolve));
    this.ended = new Promise((resolve) => (this.#markEnded = resolve));
  }

  start(signal: AbortSignal): void {
    if (this.#opts.leaderElect === false) {
      this.#markReady();
      this.#running = this.#lead(signal);
      signal.addEventListener("abort", () => this.#markEnded("stopped"), { once: true });
      return;
    }
    const elector = new LeaderElector({
      client: this.#opts.client,
      namespace: LEADER_ELECTION_NAMESPACE,
      name: CONTROLLER_MANAGER_LEASE,
      identity: this.identity,
      clock: this.#clock,
      log: this.#log,
      ...(this.#opts.leaseDurationMs !== undefined ? { leaseDurationMs: this.#opts.leaseDurationMs } : {}),
      ...(this.#opts.renewDeadlineMs !== undefined ? { renewDeadlineMs: this.#opts.renewDeadlineMs } : {}),
      ...(this.#opts.retryPeriodMs !== undefined ? { retryPeriodMs: this.#opts.retryPeriodMs } : {}),
      onNewLeader: (leader) => this.#log.info({ leader }, "new leader"),
    });
    this.#elector = elector;
    elector.start(signal);
    this.#markReady();
    this.#running = elector.elected.then((leading) => {
      this.#log.info({ identity: this.identity }, "became leader; starting controllers");
      return this.#lead(leading);
    });
    void elector.ended.then((end) => this.#markEnded(end));
  }

  /** Informers, then every controller, until `signal` aborts. */
  async #lead(signal: AbortSignal): Promise<void> {
    const stop = new AbortController();
    this.#stopControllers = stop;
    signal.addEventListener("abort", () => stop.abort(), { once: true });
    const { client } = this.#opts;
    let resources: Awaited<ReturnType<typeof discoverResources>> | undefined;
    while (resources === undefined) {
      try {
        resources = await discoverResources(client);
      } catch (err) {
        this.#log.warn({ err: errorMessage(err) }, "discovery failed; retrying");
        await this.#clock.sleep(DISCOVERY_RETRY_MS, stop.signal).catch(() => undefined);
        if (stop.signal.aborted) return;
      }
    }
    const factory = new InformerFactory(client, this.#clock, this.#log);
    const pods = factory.for<Pod>("/api/v1/pods");
    const nodes = factory.for<Node>("/api/v1/nodes");
    const replicaSets = factory.for<ReplicaSet>("/apis/apps/v1/replicasets");
    const deployments = factory.for<Deployment>("/apis/apps/v1/deployments");
    const recorder = (component: string) => {
      const r = new ApiEventRecorder({ client, component, host: "", clock: this.#clock, logger: this.#log });
      this.#recorders.push(r);
      return r;
    };
    const controllers: Runnable[] = [
      new ReplicaSetController({
        client,
        pods,
        replicaSets,
        recorder: recorder("replicaset-controller"),
        clock: this.#clock,
        log: this.#log,
      }),
      new DeploymentController({
        client,
        deployments,
        replicaSets,
        pods,
        recorder: recorder("deployment-controller"),
        clock: this.#clock,
        log: this.#log,
      }),
      new GarbageCollector({ client, informers: factory, resources, clock: this.#clock, log: this.#log }),
      new NodeLifecycleController({
        client,
        nodes,
        leases: factory.for("/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases"),
        pods,
        recorder: recorder("node-controller"),
        clock: this.#clock,
        log: this.#log,
        ...(this.#opts.nodeMonitorGracePeriodMs !== undefined
          ? { gracePeriodMs: this.#opts.nodeMonitorGracePeriodMs }
          : {}),
        ...(this.#opts.nodeMonitorPeriodMs !== undefined
          ? { monitorPeriodMs: this.#opts.nodeMonitorPeriodMs }
          : {}),
      }),
      new NamespaceController({
        client,
        namespaces: factory.for("/api/v1/namespaces"),
        resources,
        clock: this.#clock,
        log: this.#log,
      }),
    ];
    if (this.#opts.clusterCidr !== undefined) {
      controllers.push(
        new RangeAllocator({
          client,
          nodes,
          clusterCidr: this.#opts.clusterCidr,
          ...(this.#opts.nodeCidrMaskSize !== undefined
            ? { nodeCidrMaskSize: this.#opts.nodeCidrMaskSize }
            : {}),
          recorder: recorder("cidrAllocator"),
          clock: this.#clock,
          log: this.#log,
        }),
      );
    }
    factory.start(stop.signal);
    try {
      await factory.synced();
    } catch (err) {
      if (!stop.signal.aborted) this.#log.error({ err: errorMessage(err) }, "informers did not sync");
      return;
    }
    this.#log.info({ controllers: controllers.length }, "controllers started");
    await Promise.all(controllers.map((c) => c.run(stop.signal)));
    await factory.stop();
  }

  async stop(): Promise<void> {
    this.#stopControllers?.abort();
    await this.#elector?.stop();
    await this.#running?.catch(() => undefined);
    await Promise.all(this.#recorders.map((r) => r.close()));
  }
}
