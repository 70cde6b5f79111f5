/**
 * The probe manager (kubelet: prober_manager.go): one worker per (pod uid, container, probe kind),
 * added from each status the pod sync computes and stopped when the pod goes; three results caches
 * (liveness, readiness, startup) by container id. The pod machinery asks it for readiness and
 * startup when it generates a status, and for liveness and startup failures when it plans what to
 * kill; every result change wakes the pod through `onChange`.
 *
 * Lifecycle: start(signal) (records the start time the first-run spread uses), ready, stop();
 * stop() and removePod() end the workers at once, cancelling the probes in flight.
 */
import type { IContainer, IPod, IPodStatus } from "kubernetes-models/v1";
import type { Clock, Logger } from "../../common/index.js";
import type { EventRecorder } from "../events/index.js";
import { REASON_LIVENESS_PROBE, REASON_STARTUP_PROBE } from "./constants.js";
import type { ExecRuntime } from "./exec-runner.js";
import { Prober } from "./prober.js";
import { ResultsCache } from "./results.js";
import { PROBE_KINDS, probeOf, resolveProbe, type ProbeKind } from "./spec.js";
import { ProbeWorker, runtimeId, workerKey, type PodState, type WorkerContext } from "./worker.js";

export interface ProbeManagerOptions {
  readonly runtime: ExecRuntime;
  readonly recorder: EventRecorder;
  readonly clock: Clock;
  readonly logger: Logger;
  /** A probe result of the pod changed: sync it. */
  readonly onChange: (podUid: string) => void;
  /** [0, 1) for the first run's spread; Math.random by default. */
  readonly random?: () => number;
}

/** Why a running container must be killed for a probe (kubelet: computePodActions). */
export interface ProbeKill {
  readonly reason: typeof REASON_LIVENESS_PROBE | typeof REASON_STARTUP_PROBE;
  /** "Container NAME failed liveness probe" (the sync adds ", will be restarted"). */
  readonly message: string;
  /** The probe's terminationGracePeriodSeconds, when set. */
  readonly graceSeconds: number | undefined;
}

/** The current container of each name, for status generation. */
export interface CurrentContainer {
  readonly name: string;
  readonly id: string;
  readonly running: boolean;
}

export interface ProbeStatus {
  /** By container name: the readiness result is success. */
  readonly readiness: Record<string, boolean>;
  /** By container name: the startup probe has succeeded. */
  readonly startup: Record<string, boolean>;
}

export interface ProbeManagerStats {
  readonly pods: number;
  readonly workers: number;
  readonly results: number;
}

function isTerminal(status: IPodStatus): boolean {
  return status.phase === "Succeeded" || status.phase === "Failed";
}

/** App containers and sidecars (restartable init containers) with the flag telling which. */
function probedContainers(pod: IPod): { container: IContainer; init: boolean }[] {
  const sidecars = (pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === "Always");
  return [
    ...sidecars.map((container) => ({ container, init: true })),
    ...(pod.spec?.containers ?? []).map((container) => ({ container, init: false })),
  ];
}

export class ProbeManager {
  readonly ready: Promise<void> = Promise.resolve();
  readonly #o: ProbeManagerOptions;
  readonly #log: Logger;
  readonly #results: Record<ProbeKind, ResultsCache>;
  readonly #prober: Prober;
  /** Workers by pod uid, then key. */
  readonly #workers = new Map<string, Map<string, ProbeWorker>>();
  readonly #pods = new Map<string, PodState>();
  /** Pods being deleted, with the startup results they had: readiness false, no workers. */
  readonly #terminating = new Map<string, Record<string, boolean>>();
  #startedAt: number;
  #stopped = false;

  constructor(options: ProbeManagerOptions) {
    this.#o = options;
    this.#log = options.logger.child({ component: "probes" });
    const onChange = (uid: string): void => {
      if (!this.#stopped) options.onChange(uid);
    };
    this.#results = {
      liveness: new ResultsCache(onChange),
      readiness: new ResultsCache(onChange),
      startup: new ResultsCache(onChange),
    };
    this.#prober = new Prober({ runtime: options.runtime, recorder: options.recorder, log: this.#log });
    this.#startedAt = options.clock.now();
  }

  start(signal?: AbortSignal): void {
    this.#startedAt = this.#o.clock.now();
    signal?.addEventListener("abort", () => void this.stop(), { once: true });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all([...this.#workers.keys()].map((uid) => this.removePod(uid)));
  }

  /**
   * The status the sync just computed for the pod (kubelet: AddPod on every sync, and the status
   * manager the workers read): adds the workers the pod's containers need and triggers the
   * readiness probe of running containers that are not ready yet.
   */
  updatePod(pod: IPod, status: IPodStatus): void {
    const uid = pod.metadata?.uid ?? "";
    if (this.#stopped || uid === "") return;
    if (isTerminal(status)) {
      void this.removePod(uid);
      return;
    }
    if (pod.metadata?.deletionTimestamp || this.#terminating.has(uid)) return;
    this.#pods.set(uid, { pod, status });
    let byKey = this.#workers.get(uid);
    for (const { container, init } of probedContainers(pod)) {
      for (const kind of PROBE_KINDS) {
        const probe = probeOf(container, kind);
        if (probe === undefined) continue;
        const key = workerKey(uid, container.name, kind);
        if (byKey?.has(key)) continue;
        if (byKey === undefined) this.#workers.set(uid, (byKey = new Map()));
        const worker = new ProbeWorker(
          this.#context(kind),
          uid,
          container,
          init,
          kind,
          resolveProbe(probe, kind),
        );
        byKey.set(key, worker);
        worker.start();
      }
    }
    for (const c of [...(status.initContainerStatuses ?? []), ...(status.containerStatuses ?? [])]) {
      if (c.state?.running === undefined || c.ready) continue;
      byKey?.get(workerKey(uid, c.name, "readiness"))?.trigger();
    }
  }

  /** Readiness and startup of the pod's current containers (kubelet: UpdatePodStatus). */
  probeStatus(podUid: string, containers: readonly CurrentContainer[]): ProbeStatus {
    const readiness: Record<string, boolean> = {};
    const startup: Record<string, boolean> = {};
    const terminating = this.#terminating.get(podUid);
    for (const c of containers) {
      if (terminating !== undefined) {
        readiness[c.name] = false;
        startup[c.name] = terminating[c.name] === true;
        continue;
      }
      readiness[c.name] = c.running && this.#results.readiness.get(c.id) === "success";
      startup[c.name] = c.running && this.#results.startup.get(c.id) === "success";
    }
    return { readiness, startup };
  }

  /** Whether a running container failed its liveness or startup probe and must be killed. */
  probeKill(pod: IPod, container: IContainer, containerId: string): ProbeKill | undefined {
    if (this.#terminating.has(pod.metadata?.uid ?? "")) return undefined;
    if (this.#results.liveness.get(containerId) === "failure") {
      return {
        reason: REASON_LIVENESS_PROBE,
        message: `Container ${container.name} failed liveness probe`,
        graceSeconds: container.livenessProbe?.terminationGracePeriodSeconds ?? undefined,
      };
    }
    if (this.#results.startup.get(containerId) === "failure") {
      return {
        reason: REASON_STARTUP_PROBE,
        message: `Container ${container.name} failed startup probe`,
        graceSeconds: container.startupProbe?.terminationGracePeriodSeconds ?? undefined,
      };
    }
    return undefined;
  }

  /**
   * The pod is being deleted: liveness and startup stop (no kill for a probe from now on) and its
   * containers are not ready any more.
   */
  async terminating(pod: IPod, containers: readonly CurrentContainer[]): Promise<void> {
    const uid = pod.metadata?.uid ?? "";
    if (this.#terminating.has(uid)) return;
    const started: Record<string, boolean> = {};
    for (const c of containers) started[c.name] = c.running && this.#results.startup.get(c.id) === "success";
    this.#terminating.set(uid, started);
    await this.#stopWorkers(uid);
  }

  /** Stops the pod's workers and forgets everything about it (kubelet: RemovePod). */
  async removePod(uid: string): Promise<void> {
    this.#terminating.delete(uid);
    this.#pods.delete(uid);
    await this.#stopWorkers(uid);
  }

  /**
   * Forgets every pod that is not in `desired` (kubelet: CleanupPods, from housekeeping): a pod
   * whose removal was missed is not probed for longer than one housekeeping period.
   */
  async cleanupPods(desired: ReadonlySet<string>): Promise<void> {
    const known = new Set([...this.#workers.keys(), ...this.#pods.keys(), ...this.#terminating.keys()]);
    await Promise.all([...known].filter((uid) => !desired.has(uid)).map((uid) => this.removePod(uid)));
  }

  stats(): ProbeManagerStats {
    let workers = 0;
    for (const byKey of this.#workers.values()) workers += byKey.size;
    const results = this.#results.liveness.size + this.#results.readiness.size + this.#results.startup.size;
    return { pods: this.#pods.size + this.#terminating.size, workers, results };
  }

  /** Each worker leaves the map itself when it ends (the context's removed()). */
  async #stopWorkers(uid: string): Promise<void> {
    const byKey = this.#workers.get(uid);
    if (byKey === undefined) return;
    await Promise.all([...byKey.values()].map((w) => w.stop()));
  }

  #context(kind: ProbeKind): WorkerContext {
    return {
      clock: this.#o.clock,
      log: this.#log,
      prober: this.#prober,
      results: this.#results[kind],
      startedAt: this.#startedAt,
      random: this.#o.random ?? Math.random,
      podState: (uid) => this.#pods.get(uid),
      removed: (worker) => {
        const byKey = this.#workers.get(worker.podUid);
        if (byKey?.get(worker.key) !== worker) return;
        byKey.delete(worker.key);
        if (byKey.size === 0) this.#workers.delete(worker.podUid);
      },
    };
  }
}

export { runtimeId };
