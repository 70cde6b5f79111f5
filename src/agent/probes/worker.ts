/**
 * One probe of one container of one pod, run every periodSeconds (kubelet: prober worker). It
 * reads the pod's latest status (the container's id, state, start time, started flag), holds the
 * kubelet's result rules, and writes into its kind's results cache:
 *  - initial result per new container id: readiness failure, liveness success, startup unknown;
 *  - nothing before initialDelaySeconds after the container started; liveness and readiness wait
 *    until the container has started, startup stops once it has;
 *  - a result is set after failureThreshold (successThreshold) identical results in a row;
 *  - after a liveness failure, or a startup result, the worker holds until a new container id;
 *  - a terminated container counts as failure; the worker ends when it will not restart, when
 *    the pod is terminal, and (liveness, startup) when the pod is being deleted.
 * The first run waits a random part of the period when the agent started less than a period ago,
 * so that probes of adopted pods do not all fire at once. stop() ends the worker at once: its
 * timer is cleared and the probe in flight gets the aborted signal and is not waited for.
 */
import type { IContainer, IContainerStatus, IPod, IPodStatus } from "kubernetes-models/v1";
import { errorMessage, untilAborted, type Clock, type Logger } from "../../common/index.js";
import type { Prober, ProbeVerdict } from "./prober.js";
import type { Result, ResultsCache } from "./results.js";
import type { ProbeKind, ResolvedProbe } from "./spec.js";

export interface PodState {
  readonly pod: IPod;
  readonly status: IPodStatus;
}

export interface WorkerContext {
  readonly clock: Clock;
  readonly log: Logger;
  readonly prober: Pick<Prober, "probe">;
  readonly results: ResultsCache;
  /** When the probe manager started (ms of the clock). */
  readonly startedAt: number;
  /** [0, 1): the first run's spread. */
  readonly random: () => number;
  /** The pod and the status the agent last computed for it. */
  podState(uid: string): PodState | undefined;
  /** The worker ended (by itself or by stop()). */
  removed(worker: ProbeWorker): void;
}

export function initialResult(kind: ProbeKind): Result {
  return kind === "readiness" ? "failure" : kind === "liveness" ? "success" : "unknown";
}

/** The runtime id of a status containerID ("containerd://ID" -> "ID"). */
export function runtimeId(containerID: string | undefined): string | undefined {
  if (containerID === undefined || containerID === "") return undefined;
  const at = containerID.indexOf("://");
  return at < 0 ? containerID : containerID.slice(at + 3);
}

function findStatus(status: IPodStatus, name: string): IContainerStatus | undefined {
  const app = status.containerStatuses?.find((c) => c.name === name);
  if (app?.containerID) return app;
  const init = status.initContainerStatuses?.find((c) => c.name === name);
  return init?.containerID ? init : undefined;
}

export class ProbeWorker {
  readonly podUid: string;
  readonly container: IContainer;
  readonly kind: ProbeKind;
  readonly #init: boolean;
  readonly #spec: ResolvedProbe;
  readonly #ctx: WorkerContext;
  readonly #stop = new AbortController();
  #tick: AbortController | undefined;
  #triggered = false;
  #containerId: string | undefined;
  #onHold = false;
  #lastResult: "success" | "failure" | undefined;
  #resultRun = 0;
  #done: Promise<void> | undefined;

  constructor(
    ctx: WorkerContext,
    podUid: string,
    container: IContainer,
    init: boolean,
    kind: ProbeKind,
    spec: ResolvedProbe,
  ) {
    this.#ctx = ctx;
    this.podUid = podUid;
    this.container = container;
    this.#init = init;
    this.kind = kind;
    this.#spec = spec;
  }

  get key(): string {
    return workerKey(this.podUid, this.container.name, this.kind);
  }

  /** The container id the worker probes now (undefined before it saw one). */
  get containerId(): string | undefined {
    return this.#containerId;
  }

  start(): void {
    this.#done ??= this.#run();
  }

  /**
   * Ends the worker; safe to call more than once. Resolves when it has cleaned up, without waiting
   * for a probe in flight (its signal is aborted and its result dropped).
   */
  stop(): Promise<void> {
    this.#stop.abort();
    this.#tick?.abort();
    return this.#done ?? Promise.resolve();
  }

  /** Probes now rather than at the next tick; the period restarts from here (kubelet: manualTriggerCh). */
  trigger(): void {
    this.#triggered = true;
    this.#tick?.abort();
  }

  async #run(): Promise<void> {
    const { clock, log } = this.#ctx;
    const periodMs = this.#spec.periodSeconds * 1000;
    try {
      // The spread is a plain sleep: a trigger during it is kept for after the first probe.
      if (periodMs > clock.now() - this.#ctx.startedAt) {
        await clock.sleep(this.#ctx.random() * periodMs, this.#stop.signal).catch(() => undefined);
      }
      let next = clock.now() + periodMs;
      while (!this.#stop.signal.aborted) {
        let keepGoing: boolean;
        try {
          keepGoing = await this.doProbe();
        } catch (err) {
          log.warn(
            { pod: this.podUid, container: this.container.name, probe: this.kind, err: errorMessage(err) },
            "probe worker failed",
          );
          keepGoing = true;
        }
        if (!keepGoing || this.#stop.signal.aborted) break;
        const triggered = await this.#wait(next - clock.now());
        const now = clock.now();
        next = triggered ? now + periodMs : next + periodMs;
        if (next <= now) next = now + periodMs;
      }
    } finally {
      if (this.#containerId !== undefined) this.#ctx.results.remove(this.#containerId);
      this.#ctx.removed(this);
    }
  }

  /** Waits ms (or until trigger or stop); true when a trigger ended the wait. */
  async #wait(ms: number): Promise<boolean> {
    if (this.#triggered) {
      this.#triggered = false;
      return true;
    }
    if (this.#stop.signal.aborted) return false;
    const tick = new AbortController();
    this.#tick = tick;
    try {
      await this.#ctx.clock.sleep(Math.max(0, ms), tick.signal);
    } catch {
      // a trigger or stop
    } finally {
      this.#tick = undefined;
    }
    const triggered = this.#triggered;
    this.#triggered = false;
    return triggered;
  }

  /** One probe; false when the worker should end (kubelet: doProbe). */
  async doProbe(): Promise<boolean> {
    const { results, clock } = this.#ctx;
    if (this.#stop.signal.aborted) return false;
    const state = this.#ctx.podState(this.podUid);
    if (state === undefined) return true;
    const { pod, status } = state;
    if (status.phase === "Failed" || status.phase === "Succeeded") return false;
    const c = findStatus(status, this.container.name);
    const id = runtimeId(c?.containerID);
    if (c === undefined || id === undefined) return true;

    if (id !== this.#containerId) {
      if (this.#containerId !== undefined) results.remove(this.#containerId);
      this.#containerId = id;
      results.set(id, initialResult(this.kind), this.podUid);
      this.#onHold = false;
      this.#lastResult = undefined;
      this.#resultRun = 0;
    }
    if (this.#onHold) return true;

    const running = c.state?.running;
    if (running === undefined) {
      results.set(id, "failure", this.podUid);
      return c.state?.terminated === undefined || pod.spec?.restartPolicy !== "Never";
    }
    if (pod.metadata?.deletionTimestamp && (this.kind === "liveness" || this.kind === "startup")) {
      // A quiet shutdown: the container is not killed for a probe while the pod terminates.
      results.set(id, "success", this.podUid);
      return false;
    }
    const startedAt = running.startedAt === undefined ? Number.NaN : Date.parse(String(running.startedAt));
    if (
      Number.isFinite(startedAt) &&
      Math.trunc((clock.now() - startedAt) / 1000) < this.#spec.initialDelaySeconds
    ) {
      return true;
    }
    if (c.started === true) {
      if (this.kind === "startup") return true;
    } else if (this.kind !== "startup") {
      return true;
    }

    const signal = this.#stop.signal;
    let verdict: ProbeVerdict;
    try {
      verdict = await untilAborted(
        this.#ctx.prober.probe(
          this.kind,
          { pod, container: this.container, containerId: id, podIP: status.podIP, init: this.#init, signal },
          this.#spec,
        ),
        signal,
      );
    } catch (err) {
      if (signal.aborted) return false;
      throw err;
    }
    if (verdict === undefined || signal.aborted || id !== this.#containerId) return true;
    if (this.#lastResult === verdict) {
      this.#resultRun++;
    } else {
      this.#lastResult = verdict;
      this.#resultRun = 1;
    }
    if (
      (verdict === "failure" && this.#resultRun < this.#spec.failureThreshold) ||
      (verdict === "success" && this.#resultRun < this.#spec.successThreshold)
    ) {
      return true;
    }
    results.set(id, verdict, this.podUid);
    if ((this.kind === "liveness" && verdict === "failure") || this.kind === "startup") {
      // The container will be restarted (or has started): nothing more to probe until a new one.
      this.#onHold = true;
      this.#resultRun = 0;
    }
    return true;
  }
}

export function workerKey(podUid: string, container: string, kind: ProbeKind): string {
  return `${podUid}/${container}/${kind}`;
}
