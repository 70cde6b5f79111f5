/**
 * Leader election through a coordination.k8s.io/v1 Lease, as client-go's tools/leaderelection
 * runs it with a LeaseLock: candidates try to acquire the lease every retryPeriod (with jitter);
 * a lease whose holder has not renewed it for leaseDurationSeconds, measured on this candidate's
 * own clock from when it last saw the record change, may be taken over (leaseTransitions + 1).
 * The leader renews every retryPeriod and gives up when no renewal succeeds within renewDeadline.
 * On stop a leader releases the lease (empty holderIdentity, leaseDurationSeconds 1) so that the
 * next candidate need not wait out the duration.
 *
 * One term per start: once leadership is lost or released, the elector is done (kube-scheduler
 * and kube-controller-manager exit then). Lifecycle: start(signal), `elected` (resolves with a
 * signal that aborts when leadership ends), `ended` (resolves when the term is over, with why), stop().
 */
import type { ILease } from "kubernetes-models/coordination.k8s.io/v1";
import { systemClock, type Clock } from "../common/clock.js";
import { BerthError, ErrorCode, errorMessage, isAlreadyExists, isNotFound } from "../common/errors.js";
import { createLogger, type Logger } from "../common/log.js";
import type { ApiClient } from "./client.js";
import { microTime } from "./micro-time.js";
import { resourcePath } from "./paths.js";

// client-go leaderelection defaults as kube-scheduler and kube-controller-manager set them
// (component-base config: LeaderElectionConfiguration).
export const LEADER_ELECTION_LEASE_DURATION_MS = 15_000;
export const LEADER_ELECTION_RENEW_DEADLINE_MS = 10_000;
export const LEADER_ELECTION_RETRY_PERIOD_MS = 2_000;
/** client-go leaderelection: JitterFactor, the extra fraction of retryPeriod between acquire attempts. */
export const LEADER_ELECTION_JITTER_FACTOR = 1.2;
/** The namespace of control-plane leases (kube-scheduler's resourceNamespace). */
export const LEADER_ELECTION_NAMESPACE = "kube-system";

export interface LeaderElectionOptions {
  readonly client: Pick<ApiClient, "get" | "create" | "update">;
  readonly namespace: string;
  /** The Lease's name (kube-scheduler: "kube-scheduler"). */
  readonly name: string;
  /** This candidate's holderIdentity; unique among candidates (hostname_uuid upstream). */
  readonly identity: string;
  readonly leaseDurationMs?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
  /** Release the lease when stopped while leading; default true. */
  readonly releaseOnCancel?: boolean;
  readonly clock?: Clock;
  /** Randomness in [0, 1) for the acquire jitter; injectable for tests. */
  readonly random?: () => number;
  readonly log?: Logger;
  /** Leadership begins; the signal aborts when it ends. */
  readonly onStartedLeading?: (signal: AbortSignal) => void;
  /** Leadership ended (lost, released or stopped); called only after onStartedLeading. */
  readonly onStoppedLeading?: () => void;
  /** The observed holder changed (this candidate included). */
  readonly onNewLeader?: (identity: string) => void;
}

/** Why a term ended. */
export type LeaderElectionEnd = "lost" | "stopped";

interface LeaderRecord {
  readonly holderIdentity: string;
  readonly leaseDurationSeconds: number;
  readonly acquireTime: string;
  readonly renewTime: string;
  readonly leaseTransitions: number;
}

function recordOf(lease: ILease): LeaderRecord {
  const spec = lease.spec ?? {};
  return {
    holderIdentity: spec.holderIdentity ?? "",
    leaseDurationSeconds: spec.leaseDurationSeconds ?? 0,
    acquireTime: spec.acquireTime ?? "",
    renewTime: spec.renewTime ?? "",
    leaseTransitions: spec.leaseTransitions ?? 0,
  };
}

function sameRecord(a: LeaderRecord | undefined, b: LeaderRecord): boolean {
  return (
    a !== undefined &&
    a.holderIdentity === b.holderIdentity &&
    a.leaseDurationSeconds === b.leaseDurationSeconds &&
    a.acquireTime === b.acquireTime &&
    a.renewTime === b.renewTime &&
    a.leaseTransitions === b.leaseTransitions
  );
}

export class LeaderElector {
  /** Resolves with a signal that aborts when leadership ends; never resolves if never elected. */
  readonly elected: Promise<AbortSignal>;
  /** Resolves when the term is over: "lost" (renewal failed) or "stopped" (stop or abort). */
  readonly ended: Promise<LeaderElectionEnd>;
  readonly #o: Required<
    Pick<
      LeaderElectionOptions,
      "leaseDurationMs" | "renewDeadlineMs" | "retryPeriodMs" | "releaseOnCancel" | "clock" | "random"
    >
  > &
    LeaderElectionOptions;
  readonly #log: Logger;
  readonly #path: string;
  #observed: LeaderRecord | undefined;
  #observedTime = 0;
  #lease: ILease | undefined;
  #reportedLeader: string | undefined;
  #markElected: (signal: AbortSignal) => void = () => undefined;
  #markEnded: (end: LeaderElectionEnd) => void = () => undefined;
  #controller: AbortController | undefined;
  #running: Promise<void> | undefined;

  constructor(options: LeaderElectionOptions) {
    const leaseDurationMs = options.leaseDurationMs ?? LEADER_ELECTION_LEASE_DURATION_MS;
    const renewDeadlineMs = options.renewDeadlineMs ?? LEADER_ELECTION_RENEW_DEADLINE_MS;
    const retryPeriodMs = options.retryPeriodMs ?? LEADER_ELECTION_RETRY_PERIOD_MS;
    const bad = (what: string): never => {
      throw new BerthError(ErrorCode.Config, `leader election: ${what}`);
    };
    if (options.identity === "") bad("identity must not be empty");
    if (options.name === "" || options.namespace === "") bad("the lease needs a namespace and a name");
    if (!(retryPeriodMs > 0)) bad(`retryPeriod must be positive, not ${retryPeriodMs} ms`);
    if (!(leaseDurationMs > renewDeadlineMs)) bad("leaseDuration must be greater than renewDeadline");
    if (!(renewDeadlineMs > LEADER_ELECTION_JITTER_FACTOR * retryPeriodMs)) {
      bad(`renewDeadline must be greater than retryPeriod*${LEADER_ELECTION_JITTER_FACTOR}`);
    }
    if (leaseDurationMs % 1000 !== 0) bad("leaseDuration must be whole seconds");
    this.#o = {
      ...options,
      leaseDurationMs,
      renewDeadlineMs,
      retryPeriodMs,
      releaseOnCancel: options.releaseOnCancel ?? true,
      clock: options.clock ?? systemClock,
      random: options.random ?? Math.random,
    };
    this.#log = (options.log ?? createLogger({ name: "leader-election" })).child({
      lease: `${options.namespace}/${options.name}`,
      identity: options.identity,
    });
    this.#path = resourcePath({
      group: "coordination.k8s.io",
      version: "v1",
      resource: "leases",
      namespace: options.namespace,
    });
    this.elected = new Promise((resolve) => (this.#markElected = resolve));
    this.ended = new Promise((resolve) => (this.#markEnded = resolve));
  }

  /** Whether this candidate holds the lease as last observed. */
  get isLeader(): boolean {
    return this.#observed?.holderIdentity === this.#o.identity;
  }

  /** The holder last observed ("" when none). */
  get leader(): string {
    return this.#observed?.holderIdentity ?? "";
  }

  start(signal?: AbortSignal): void {
    if (this.#controller) throw new BerthError(ErrorCode.Internal, "leader elector already started");
    const controller = new AbortController();
    this.#controller = controller;
    const forward = (): void => controller.abort(signal?.reason);
    if (signal?.aborted) forward();
    signal?.addEventListener("abort", forward, { once: true });
    this.#running = this.#run(controller.signal).finally(() => signal?.removeEventListener("abort", forward));
  }

  /** Ends the term (releasing the lease when leading) and waits for it. */
  async stop(): Promise<void> {
    this.#controller?.abort();
    await this.#running;
  }

  async #run(signal: AbortSignal): Promise<void> {
    const acquired = await this.#acquire(signal);
    if (!acquired) {
      this.#markEnded("stopped");
      return;
    }
    const leadership = new AbortController();
    this.#log.info("acquired the lease");
    this.#markElected(leadership.signal);
    this.#o.onStartedLeading?.(leadership.signal);
    const end = await this.#renew(signal);
    if (end === "stopped" && this.#o.releaseOnCancel) await this.#release();
    leadership.abort();
    this.#log.info({ end }, end === "lost" ? "lost the lease" : "left the lease");
    this.#o.onStoppedLeading?.();
    this.#markEnded(end);
  }

  /** Tries every retryPeriod (plus jitter) until the lease is ours; false when aborted first. */
  async #acquire(signal: AbortSignal): Promise<boolean> {
    this.#log.info("attempting to acquire the lease");
    while (!signal.aborted) {
      if (await this.#attempt(signal, this.#o.renewDeadlineMs)) return true;
      const jitter = this.#o.random() * LEADER_ELECTION_JITTER_FACTOR * this.#o.retryPeriodMs;
      if (!(await this.#sleep(this.#o.retryPeriodMs + jitter, signal))) return false;
    }
    return false;
  }

  /** Renews every retryPeriod; a round that finds no success within renewDeadline loses the lease. */
  async #renew(signal: AbortSignal): Promise<LeaderElectionEnd> {
    for (;;) {
      const deadline = this.#o.clock.now() + this.#o.renewDeadlineMs;
      let renewed = false;
      while (!signal.aborted) {
        const left = deadline - this.#o.clock.now();
        if (left <= 0) break;
        if (await this.#attempt(signal, left)) {
          renewed = true;
          break;
        }
        if (this.#observed !== undefined && !this.isLeader) break;
        if (!(await this.#sleep(Math.min(this.#o.retryPeriodMs, deadline - this.#o.clock.now()), signal)))
          break;
      }
      if (signal.aborted) return "stopped";
      if (!renewed) return "lost";
      if (!(await this.#sleep(this.#o.retryPeriodMs, signal))) return "stopped";
    }
  }

  /** One tryAcquireOrRenew bounded by `limitMs` of the clock; false on any failure. */
  async #attempt(signal: AbortSignal, limitMs: number): Promise<boolean> {
    const bound = new AbortController();
    const onAbort = (): void => bound.abort(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    const timer = new AbortController();
    void this.#o.clock.sleep(limitMs, timer.signal).then(
      () => bound.abort(new BerthError(ErrorCode.Timeout, "lease request took longer than allowed")),
      () => undefined,
    );
    try {
      return await this.#tryAcquireOrRenew(bound.signal);
    } catch (err) {
      if (!signal.aborted)
        this.#log.warn({ err: errorMessage(err) }, "error acquiring or renewing the lease");
      return false;
    } finally {
      timer.abort();
      signal.removeEventListener("abort", onAbort);
    }
  }

  /** client-go tryAcquireOrRenew. */
  async #tryAcquireOrRenew(signal: AbortSignal): Promise<boolean> {
    const { client, identity, namespace, name } = this.#o;
    const now = microTime(this.#o.clock.nowNanos());
    const durationSeconds = this.#o.leaseDurationMs / 1000;
    const desired = (acquireTime: string, transitions: number): ILease["spec"] => ({
      holderIdentity: identity,
      leaseDurationSeconds: durationSeconds,
      acquireTime,
      renewTime: now,
      leaseTransitions: transitions,
    });

    // Fast path: the leader renews its cached copy without reading first.
    if (this.isLeader && this.#lease !== undefined && this.#observed !== undefined && this.#leaseValid()) {
      try {
        const lease = await client.update<ILease>(
          `${this.#path}/${name}`,
          { ...this.#lease, spec: desired(this.#observed.acquireTime, this.#observed.leaseTransitions) },
          { signal },
        );
        this.#observe(lease);
        return true;
      } catch (err) {
        if (signal.aborted) throw err;
        this.#log.debug({ err: errorMessage(err) }, "renewing the cached lease failed, reading it");
      }
    }

    let current: ILease;
    try {
      current = await client.get<ILease>(`${this.#path}/${name}`, { signal });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      try {
        const created = await client.create<ILease>(
          this.#path,
          {
            apiVersion: "coordination.k8s.io/v1",
            kind: "Lease",
            metadata: { name, namespace },
            spec: desired(now, 0),
          },
          { signal },
        );
        this.#observe(created);
        return true;
      } catch (createErr) {
        if (isAlreadyExists(createErr)) return false;
        throw createErr;
      }
    }

    const old = recordOf(current);
    if (!sameRecord(this.#observed, old)) this.#observe(current);
    else this.#lease = current;
    if (old.holderIdentity !== "" && old.holderIdentity !== identity && this.#leaseValid()) {
      this.#log.debug({ holder: old.holderIdentity }, "lease is held and has not yet expired");
      return false;
    }
    const spec =
      old.holderIdentity === identity
        ? desired(old.acquireTime, old.leaseTransitions)
        : desired(now, old.leaseTransitions + 1);
    const updated = await client.update<ILease>(`${this.#path}/${name}`, { ...current, spec }, { signal });
    this.#observe(updated);
    return true;
  }

  /** The observed record has not outlived its duration (measured from when it was observed). */
  #leaseValid(): boolean {
    const seconds = this.#observed?.leaseDurationSeconds ?? 0;
    return this.#observedTime + seconds * 1000 > this.#o.clock.now();
  }

  #observe(lease: ILease): void {
    this.#lease = lease;
    this.#observed = recordOf(lease);
    this.#observedTime = this.#o.clock.now();
    const holder = this.#observed.holderIdentity;
    if (holder !== this.#reportedLeader) {
      this.#reportedLeader = holder;
      if (holder !== "") {
        this.#log.info({ holder }, "new leader");
        this.#o.onNewLeader?.(holder);
      }
    }
  }

  /** client-go release: an empty holder and a one-second duration; failures are logged. */
  async #release(): Promise<void> {
    if (!this.isLeader || this.#lease === undefined || this.#observed === undefined) return;
    const now = microTime(this.#o.clock.nowNanos());
    const { holderIdentity: _holder, ...rest } = this.#lease.spec ?? {};
    try {
      const lease = await this.#o.client.update<ILease>(`${this.#path}/${this.#o.name}`, {
        ...this.#lease,
        spec: {
          ...rest,
          leaseDurationSeconds: 1,
          acquireTime: now,
          renewTime: now,
          leaseTransitions: this.#observed.leaseTransitions,
        },
      });
      this.#observe(lease);
    } catch (err) {
      this.#log.error({ err: errorMessage(err) }, "failed to release the lease");
    }
  }

  /** Sleeps on the clock; false when the signal aborted first. */
  async #sleep(ms: number, signal: AbortSignal): Promise<boolean> {
    try {
      await this.#o.clock.sleep(Math.max(0, ms), signal);
      return true;
    } catch {
      return false;
    }
  }
}
