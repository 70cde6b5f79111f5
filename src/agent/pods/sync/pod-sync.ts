/**
 * One level-triggered sync of one pod (kubelet: SyncPod + kuberuntime SyncPod): read the runtime
 * view fresh, plan (container-plan.ts), act on the difference, then write the status if it
 * changed. Running it twice changes nothing. Waiting reasons of containers the agent could not
 * start (image pull, backoff, config errors) are the only thing it remembers between syncs, and
 * only for the status it reports; everything that matters is in the runtime's labels and the API.
 */
import { mkdir } from "node:fs/promises";
import type { IContainer, IPod, IPodCondition, IPodStatus } from "kubernetes-models/v1";
import {
  errorMessage,
  isAlreadyExists,
  untilAborted,
  type Clock,
  type Logger,
} from "../../../common/index.js";
import type { ContainerRuntime, ContainerStatus, PodSandboxConfig } from "../../../runtime/index.js";
import { formatGoDuration } from "../../../config/index.js";
import type { EventRecorder, InvolvedObject } from "../../events/recorder.js";
import { planPod, containerName, type PodPlan, type StartStep } from "./container-plan.js";
import { stopInTerminationOrder } from "./termination-order.js";
import type { PodConversions, PodFailure, WaitingReason } from "./conversions.js";
import { terminationMessage } from "../container/index.js";
import type { ImagePuller } from "../images/index.js";
import {
  MESSAGE_DEADLINE_EXCEEDED,
  PodOomKills,
  REASON_DEADLINE_EXCEEDED,
  withForeignConditions,
} from "../status/index.js";
import type { KeyedBackoff, RuntimeCache, RuntimeSnapshot } from "../workers/index.js";
import { REASON_FAILED_MOUNT, type VolumeManager } from "../../volumes/index.js";
import type { PodSyncMetrics, StartedContainerType } from "../../metrics/index.js";
import {
  REASON_FAILED_POST_START_HOOK,
  REASON_POST_START_HOOK_ERROR,
  type HookRunner,
} from "../../lifecycle/index.js";
import type { CurrentContainer, ProbeManager } from "../../probes/index.js";
import {
  DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS,
  LABEL_NODE_NAME,
  WORKER_BACKOFF_PERIOD_MS,
} from "../constants.js";

export const REASON_CRASH_LOOP_BACK_OFF = "CrashLoopBackOff"; // kubelet: kubecontainer.ErrCrashLoopBackOff
export const REASON_CREATE_CONTAINER_CONFIG_ERROR = "CreateContainerConfigError"; // kubelet: kubecontainer.ErrCreateContainerConfig
export const REASON_CREATE_CONTAINER_ERROR = "CreateContainerError"; // kubelet: kubecontainer.ErrCreateContainer
export const REASON_RUN_CONTAINER_ERROR = "RunContainerError"; // kubelet: kubecontainer.ErrRunContainer

/** The part of PodCgroups (agent/resources) the sync uses. */
export interface PodCgroupEnsurer {
  ensure(pod: IPod): Promise<string>;
  /** The pod cgroup's OOM count (PodCgroups.oomCount); no pod-level OOM attribution without it. */
  oomCount?(pod: IPod): Promise<number | undefined>;
}

/** The parts of the probe manager the sync uses: results into status and plan, statuses out. */
export type PodProbes = Pick<ProbeManager, "probeStatus" | "probeKill" | "updatePod" | "removePod">;

/** The lifecycle hooks the sync runs around starting and stopping a container. */
export type PodHooks = Pick<HookRunner, "postStart" | "preStop">;

/** The newest container of each name in the view (newest first), for probe results. */
export function currentContainers(view: RuntimeSnapshot): CurrentContainer[] {
  const seen = new Set<string>();
  const out: CurrentContainer[] = [];
  for (const c of view.containers) {
    const name = containerName(c);
    if (seen.has(name)) continue;
    seen.add(name);
    out.push({ name, id: c.id, running: c.state === "running" });
  }
  return out;
}

export interface PodSyncDeps {
  readonly runtime: ContainerRuntime;
  readonly cache: RuntimeCache;
  readonly conversions: PodConversions;
  readonly puller: ImagePuller;
  readonly crashBackoff: KeyedBackoff;
  readonly recorder: EventRecorder;
  /** Writes pods/status; undefined when there was nowhere to write it (a static pod without its mirror). */
  readonly statusWriter: { write(pod: IPod, status: IPodStatus): Promise<IPod | undefined> };
  readonly cgroups: PodCgroupEnsurer;
  /** Sets up the pod's volumes on every sync (so that updates reach running containers). */
  readonly volumes: Pick<VolumeManager, "setUp" | "envObjects">;
  /** Backoff of a pod whose volumes failed, keyed by uid (kubelet: the volume operations' backoff). */
  readonly mountBackoff: KeyedBackoff;
  readonly clock: Clock;
  readonly log: Logger;
  /** Stamped on every sandbox and container (LABEL_NODE_NAME). */
  readonly nodeName: string;
  readonly probes: PodProbes;
  readonly hooks: PodHooks;
  /** The runtime handler of the pod's RuntimeClass (kubelet: LookupRuntimeHandler); "" when absent. */
  readonly runtimeHandler?: (pod: IPod) => Promise<string>;
  /** kubelet: pod_start_duration_seconds, started_pods_total, started_containers_total. */
  readonly metrics?: PodSyncMetrics;
}

/**
 * A kill the agent itself decided on (kubelet: killPodFunc with a status function, as the
 * eviction manager calls it): the pod's containers stop with this grace and the pod becomes Failed
 * with this reason, message and condition.
 */
export interface PodKill {
  readonly gracePeriodSeconds: number;
  readonly reason: string;
  readonly message: string;
  readonly condition?: IPodCondition;
}

export interface PodSyncResult {
  /** Sync again after this long (a backoff or a deadline ends). */
  readonly retryAfterMs: number | undefined;
  readonly status: IPodStatus | undefined;
}

/** "name_namespace(uid)" as the kubelet prints a pod in messages (kubelet: format.Pod). */
export function podDescription(pod: IPod): string {
  const m = pod.metadata ?? {};
  return `${m.name ?? ""}_${m.namespace ?? ""}(${m.uid ?? ""})`;
}

export function podRef(pod: IPod): InvolvedObject {
  return {
    kind: "Pod",
    apiVersion: "v1",
    name: pod.metadata?.name ?? "",
    namespace: pod.metadata?.namespace ?? "default",
    uid: pod.metadata?.uid ?? "",
  };
}

export function containerRef(pod: IPod, container: IContainer, init: boolean): InvolvedObject {
  const field = init ? "initContainers" : "containers";
  return { ...podRef(pod), fieldPath: `spec.${field}{${container.name}}` };
}

/** The pod with `condition` set in its status (replacing one of the same type). */
function withCondition(pod: IPod, condition: IPodCondition): IPod {
  const others = (pod.status?.conditions ?? []).filter((c) => c.type !== condition.type);
  return { ...pod, status: { ...pod.status, conditions: [condition, ...others] } };
}

export function isTerminalPhase(phase: string | undefined): boolean {
  return phase === "Succeeded" || phase === "Failed";
}

/** Grace for stopping a pod's containers: the deletion's, else the spec's, else 30 s. */
export function gracePeriodSeconds(pod: IPod): number {
  return (
    pod.metadata?.deletionGracePeriodSeconds ??
    pod.spec?.terminationGracePeriodSeconds ??
    DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS
  );
}

/**
 * How soon a container that could not be created or started (a missing ConfigMap, an image that
 * may not be pulled, a runtime error) is tried again (kubelet: the pod worker requeues a sync that
 * failed after workerBackOffPeriod).
 */
const RETRY_FAILED_START_MS = WORKER_BACKOFF_PERIOD_MS;

/** How soon a sync that is waiting for the runtime to show an object tries again. */
const RETRY_SOON_MS = 1_000;

function nanosToMs(ns: bigint): number {
  return Number(ns / 1_000_000n);
}

export class PodSync {
  readonly #d: PodSyncDeps;
  /** Waiting reasons by pod uid, then container name. */
  readonly #waiting = new Map<string, Map<string, WaitingReason>>();
  /**
   * The pod as the last status write returned it, by uid: the watch may not have delivered it
   * yet when the next sync runs, and a sync must not act on an older status than its own.
   */
  readonly #written = new Map<string, IPod>();
  /** Termination messages by container id (an exited container never changes). */
  readonly #messages = new Map<string, string>();
  /** Kills requested by the agent (evictions), by uid, until the pod is forgotten. */
  readonly #kills = new Map<string, PodKill>();
  /** Containers killed because the pod's cgroup reached its memory limit. */
  readonly #oomKills: PodOomKills;

  constructor(deps: PodSyncDeps) {
    this.#d = deps;
    const { cgroups } = deps;
    this.#oomKills = new PodOomKills(
      (pod) => (cgroups.oomCount === undefined ? Promise.resolve(undefined) : cgroups.oomCount(pod)),
      deps.log,
    );
  }

  /** Forgets what the sync kept for a pod that is gone. */
  forget(uid: string, view: RuntimeSnapshot): void {
    this.#waiting.delete(uid);
    this.#written.delete(uid);
    this.#kills.delete(uid);
    this.#d.metrics?.podForgotten(uid);
    for (const c of view.containers) this.#messages.delete(c.id);
    this.#oomKills.forget(
      uid,
      view.containers.map((c) => c.id),
    );
    void this.#d.probes.removePod(uid);
  }

  /** Marks the pod for a kill that ends it Failed; the next sync carries it out. */
  requestKill(uid: string, kill: PodKill): void {
    if (!this.#kills.has(uid)) this.#kills.set(uid, kill);
  }

  /** signal: a newer update (a deletion) ends the waits of this sync (pulls, stops). */
  async sync(desired: IPod, signal?: AbortSignal): Promise<PodSyncResult> {
    let pod = this.#withLatestStatus(desired);
    const uid = pod.metadata?.uid ?? "";
    // Before the runtime is read: the start of the window a container seen dead next time died in.
    await this.#oomKills.beginSync(pod);
    let view = await this.#d.cache.podView(uid);
    const kill = this.#kills.get(uid);
    const failure: PodFailure | undefined =
      kill !== undefined ? { reason: kill.reason, message: kill.message } : this.#deadlineFailure(pod);
    const terminal = isTerminalPhase(pod.status?.phase);
    if (kill?.condition !== undefined && !terminal) pod = withCondition(pod, kill.condition);
    // A finished pod with nothing left in the runtime (rejected at admission, or cleaned up): its
    // status stands as written.
    if (terminal && view.sandboxes.length === 0 && view.containers.length === 0) {
      return { retryAfterMs: undefined, status: pod.status };
    }
    let retryAfterMs: number | undefined;
    let progressed = false;
    const retry = (ms: number | undefined): void => {
      if (ms !== undefined) retryAfterMs = retryAfterMs === undefined ? ms : Math.min(retryAfterMs, ms);
    };

    // The requester of a kill records its own event (the eviction manager's Evicted).
    if (failure !== undefined && !terminal && kill === undefined) {
      this.#d.recorder.event(podRef(pod), "Normal", failure.reason, failure.message);
    }
    let volumeHostPaths: ReadonlyMap<string, string> = new Map();
    if (failure === undefined && !terminal) {
      const mounted = await this.#setUpVolumes(pod);
      if (mounted.blocked) {
        // kubelet: WaitForAttachAndMount holds the pod before its sandbox; containers stay ContainerCreating.
        const status = await this.writeStatus(pod, view, undefined);
        return { retryAfterMs: mounted.retryAfterMs, status };
      }
      volumeHostPaths = mounted.paths;
    }

    let plan = this.#plan(pod, view, failure !== undefined || terminal);
    this.#d.log.debug(
      {
        pod: podDescription(pod),
        createSandbox: plan.createSandbox?.attempt,
        kill: plan.kill.length,
        start: plan.start.map((s) => ({
          name: s.container.name,
          restartCount: s.restartCount,
          ...(s.replaces === undefined ? {} : { replaces: s.replaces.id }),
        })),
      },
      "pod sync",
    );
    // kubelet: SyncPod writes the status before it touches the runtime, so that the pod shows its
    // start time, addresses, QoS class, conditions and waiting containers while its sandbox is made
    // and its images are pulled, and keeps them when the sandbox cannot be made.
    if (!terminal && (plan.createSandbox !== undefined || plan.start.length > 0)) {
      pod = { ...pod, status: await this.writeStatus(pod, view, failure) };
    }
    await this.#kill(pod, plan, signal);
    if (plan.createSandbox !== undefined) {
      if (view.sandboxes.length > 0) {
        // kubelet SyncPod: the sandbox died (or its network is gone) and is made again.
        const message = "Pod sandbox changed, it will be killed and re-created.";
        this.#d.recorder.event(podRef(pod), "Normal", "SandboxChanged", message);
      }
      await this.#createSandbox(pod, plan.createSandbox.attempt);
      view = await this.#d.cache.podView(uid);
      plan = this.#plan(pod, view, false);
      await this.#kill(pod, plan, signal);
      // The name was taken by a sandbox not listed yet (made just before an agent restart): soon.
      if (plan.createSandbox !== undefined) retry(RETRY_SOON_MS);
    }
    const sandboxConfig =
      plan.sandbox === undefined
        ? undefined
        : await this.#sandboxConfigFor(pod, plan.sandbox.metadata.attempt);
    if (plan.sandbox !== undefined && sandboxConfig !== undefined) {
      for (const step of plan.start) {
        const podIPs = [plan.sandbox.ip, ...plan.sandbox.additionalIps].filter(Boolean);
        signal?.throwIfAborted();
        const started = await this.#start(
          pod,
          plan.sandbox.id,
          sandboxConfig,
          podIPs,
          volumeHostPaths,
          step,
          signal,
        );
        retry(started.retryAfterMs);
        if (started.ok) progressed = true;
        // kubelet SyncPod: an init container that cannot start holds the pod; a sidecar that
        // cannot (backoff, pull) does not hold the containers after it.
        if (!started.ok && step.init && step.container.restartPolicy !== "Always") break;
      }
    }
    if (plan.kill.length > 0 || plan.start.length > 0 || plan.stopSandboxes.length > 0) {
      view = await this.#d.cache.podView(uid);
    }
    // Something started and already finished (an init container that exits at once): go on now
    // rather than at the next relist. Only after progress, so that a failing start cannot spin.
    if (progressed && !terminal && failure === undefined && this.#plan(pod, view, false).start.length > 0) {
      retry(0);
    }
    const status = await this.writeStatus(pod, view, failure);
    // The agent's own status writes do not wake the pod (see PodSource): a pod that just became
    // terminal has its sandbox stopped now, and the deadline counts from the startTime just written.
    if (!terminal && isTerminalPhase(status.phase)) {
      await this.#kill(pod, this.#plan(pod, await this.#d.cache.podView(uid), true));
    } else if (failure === undefined && !terminal) {
      const deadline = this.#deadlineRemaining({ ...pod, status });
      if (deadline !== undefined) retry(deadline);
    }
    return { retryAfterMs, status };
  }

  /** Computes the status from the view and patches it when it differs from the pod's. */
  async writeStatus(
    pod: IPod,
    view: RuntimeSnapshot,
    failure: PodFailure | undefined,
    terminal = false,
  ): Promise<IPodStatus> {
    const uid = pod.metadata?.uid ?? "";
    const enriched = await this.#oomKills.attribute(pod, await this.#withMessages(pod, view));
    const waiting = Object.fromEntries(this.#waiting.get(uid) ?? new Map<string, WaitingReason>());
    const { readiness, startup } = this.#d.probes.probeStatus(uid, currentContainers(view));
    const computed = this.#d.conversions.podStatus(pod, {
      view: enriched,
      now: new Date(this.#d.clock.now()),
      waiting,
      failure: failure ?? this.#deadlineFailure(pod),
      terminal,
      readiness,
      startup,
    });
    const status = withForeignConditions(pod.status, computed);
    if ((pod.status?.phase ?? "Pending") === "Pending" && status.phase === "Running") {
      this.#d.metrics?.podRunning(uid, this.#d.clock.now());
    }
    // kubelet: the status manager the probe workers read, and AddPod on every sync.
    if (!terminal) this.#d.probes.updatePod(pod, status);
    if (!this.#d.conversions.statusEqual(pod.status, status)) {
      const written = await this.#d.statusWriter.write(pod, status);
      if (written?.metadata?.uid === uid) this.#written.set(uid, written);
      if (written !== undefined) this.#d.metrics?.podStatusWritten(uid, status, this.#d.clock.now());
      this.#d.log.debug({ pod: podDescription(pod), phase: status.phase }, "pod status written");
    }
    return status;
  }

  /** The desired pod with the newer of its watched status and the agent's last written one. */
  #withLatestStatus(pod: IPod): IPod {
    const written = this.#written.get(pod.metadata?.uid ?? "");
    if (written === undefined) return pod;
    const mine = Number(written.metadata?.resourceVersion);
    const seen = Number(pod.metadata?.resourceVersion);
    if (!(Number.isFinite(mine) && Number.isFinite(seen)) || seen >= mine) {
      this.#written.delete(pod.metadata?.uid ?? "");
      return pod;
    }
    return { ...pod, status: written.status ?? {} };
  }

  #plan(pod: IPod, view: RuntimeSnapshot, stopAll: boolean): PodPlan {
    const { conversions } = this.#d;
    return planPod({
      pod,
      view,
      stopAll,
      hashOf: (c) => conversions.containerHash(c),
      runningHash: (s) => conversions.runningHash(s),
      probeKill: (c, s) => this.#d.probes.probeKill(pod, c, s.id),
    });
  }

  #deadlineRemaining(pod: IPod): number | undefined {
    const seconds = pod.spec?.activeDeadlineSeconds;
    const start = pod.status?.startTime;
    if (seconds === undefined || start === undefined) return undefined;
    return Math.max(0, Date.parse(String(start)) + seconds * 1000 - this.#d.clock.now());
  }

  /** kubelet: activeDeadlineHandler.ShouldEvict. */
  #deadlineFailure(pod: IPod): PodFailure | undefined {
    if (pod.status?.reason === REASON_DEADLINE_EXCEEDED) {
      return { reason: REASON_DEADLINE_EXCEEDED, message: pod.status.message ?? MESSAGE_DEADLINE_EXCEEDED };
    }
    const remaining = this.#deadlineRemaining(pod);
    if (remaining === undefined || remaining > 0) return undefined;
    return { reason: REASON_DEADLINE_EXCEEDED, message: MESSAGE_DEADLINE_EXCEEDED };
  }

  async #kill(pod: IPod, plan: PodPlan, signal?: AbortSignal): Promise<void> {
    const override = this.#kills.get(pod.metadata?.uid ?? "")?.gracePeriodSeconds;
    await stopInTerminationOrder({
      pod,
      targets: plan.kill,
      graceSeconds: override ?? gracePeriodSeconds(pod),
      clock: this.#d.clock,
      statusOf: (step) => step.status,
      stop: async (step, graceSeconds) => {
        const name = containerName(step.status);
        const message =
          step.message ??
          (step.reason === "changed"
            ? `Container ${name} definition changed, will be restarted`
            : `Stopping container ${name}`);
        // kubelet setTerminationGracePeriod: the deletion's grace, else a probe's, else the pod's.
        const grace =
          override !== undefined || pod.metadata?.deletionGracePeriodSeconds !== undefined
            ? graceSeconds
            : (step.graceSeconds ?? graceSeconds);
        await this.#killContainer(pod, name, step.status.id, message, grace, signal);
      },
    });
    for (const id of plan.stopSandboxes) await this.#d.runtime.stopPodSandbox(id);
  }

  /**
   * kubelet killContainer: the Killing event, the preStop hook within the grace, then SIGTERM with
   * what is left. A newer deletion (the signal) ends the waits.
   */
  async #killContainer(
    pod: IPod,
    name: string,
    id: string,
    message: string,
    grace: number,
    signal?: AbortSignal,
  ): Promise<void> {
    const specs = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
    const spec = specs.find((c) => c.name === name);
    const init = (pod.spec?.initContainers ?? []).some((c) => c.name === name);
    this.#d.recorder.event(spec ? containerRef(pod, spec, init) : podRef(pod), "Normal", "Killing", message);
    this.#oomKills.stoppedByAgent(id);
    const left =
      spec === undefined
        ? grace
        : await this.#d.hooks.preStop(
            { pod, container: spec, init, containerId: id, podIP: pod.status?.podIP },
            grace,
            signal,
          );
    await untilAborted(this.#d.runtime.stopContainer(id, left), signal);
  }

  async #sandboxConfigFor(pod: IPod, attempt: number): Promise<PodSandboxConfig> {
    const cgroupParent = await this.#d.cgroups.ensure(pod);
    const config = this.#d.conversions.sandboxConfig(pod, { attempt, cgroupParent });
    return { ...config, labels: { ...config.labels, [LABEL_NODE_NAME]: this.#d.nodeName } };
  }

  async #createSandbox(pod: IPod, attempt: number): Promise<void> {
    const config = await this.#sandboxConfigFor(pod, attempt);
    try {
      // kubelet: an unknown RuntimeClass fails the sandbox; the pod never runs under the default.
      const runtimeHandler = (await this.#d.runtimeHandler?.(pod)) ?? "";
      // kubelet: the pod's log directory exists before the sandbox (runtimes do not create it).
      if (config.logDirectory) await mkdir(config.logDirectory, { recursive: true, mode: 0o755 });
      this.#d.metrics?.sandboxStarted();
      await this.#d.runtime.runPodSandbox(runtimeHandler === "" ? config : { ...config, runtimeHandler });
    } catch (err) {
      if (isAlreadyExists(err)) return;
      this.#d.metrics?.sandboxFailed();
      const message = `Failed to create pod sandbox: ${errorMessage(err)}`;
      this.#d.recorder.event(podRef(pod), "Warning", "FailedCreatePodSandBox", message);
      throw err;
    }
  }

  /**
   * Sets up every volume; each failure is a FailedMount event. Blocked while some volume has
   * never been set up; retried with backoff, and at once when a watched object it waits for appears.
   */
  async #setUpVolumes(
    pod: IPod,
  ): Promise<{ blocked: boolean; paths: ReadonlyMap<string, string>; retryAfterMs: number | undefined }> {
    const uid = pod.metadata?.uid ?? "";
    const { volumes, mountBackoff, recorder, clock } = this.#d;
    const result = await volumes.setUp(pod);
    for (const failure of result.failures) {
      recorder.event(podRef(pod), "Warning", REASON_FAILED_MOUNT, failure.message);
    }
    if (result.failures.length === 0) {
      mountBackoff.reset(uid);
      return { blocked: false, paths: result.paths, retryAfterMs: undefined };
    }
    const retryAfterMs = mountBackoff.next(uid, clock.now());
    return { blocked: result.blocked, paths: result.paths, retryAfterMs };
  }

  #setWaiting(uid: string, name: string, reason: WaitingReason | undefined): void {
    let byName = this.#waiting.get(uid);
    if (reason === undefined) {
      byName?.delete(name);
      return;
    }
    if (byName === undefined) this.#waiting.set(uid, (byName = new Map()));
    byName.set(name, { reason: reason.reason, message: reason.message });
  }

  async #start(
    pod: IPod,
    sandboxId: string,
    sandboxConfig: PodSandboxConfig,
    podIPs: readonly string[],
    volumeHostPaths: ReadonlyMap<string, string>,
    step: StartStep,
    signal: AbortSignal | undefined,
  ): Promise<{ ok: boolean; retryAfterMs?: number }> {
    const { runtime, recorder, crashBackoff, conversions, log } = this.#d;
    const uid = pod.metadata?.uid ?? "";
    const { container } = step;
    const ref = containerRef(pod, container, step.init);
    const type: StartedContainerType = step.init ? "init_container" : "container";
    let counted = false;
    const fail = (
      reason: string,
      message: string,
      retryAfterMs?: number,
    ): { ok: false; retryAfterMs?: number } => {
      log.debug(
        { pod: podDescription(pod), container: container.name, reason, message },
        "container not started",
      );
      this.#setWaiting(uid, container.name, { reason, message });
      if (counted) this.#d.metrics?.containerStartFailed(type, reason);
      return retryAfterMs === undefined ? { ok: false } : { ok: false, retryAfterMs };
    };

    // A container that failed to start (created, never running) backs off like one that crashed,
    // so that a start error does not spin; after an agent restart there is no entry: at once.
    const last = step.previous ?? step.replaces;
    if (last !== undefined) {
      // kubelet getStableKey: the spec hash is part of the key, so a new image restarts at once.
      const key = `${uid}/${container.name}/${conversions.containerHash(container)}`;
      const finished = last.finishedAt > 0n ? last.finishedAt : last.createdAt;
      const finishedMs = nanosToMs(finished);
      const remaining = crashBackoff.remaining(key, finishedMs);
      if (remaining > 0) {
        const pretty = formatGoDuration(crashBackoff.delay(key));
        recorder.event(
          ref,
          "Warning",
          "BackOff",
          `Back-off restarting failed container ${container.name} in pod ${podDescription(pod)}`,
        );
        return fail(
          REASON_CRASH_LOOP_BACK_OFF,
          `back-off ${pretty} restarting failed container=${container.name} pod=${podDescription(pod)}`,
          remaining,
        );
      }
      crashBackoff.next(key, finishedMs);
    }

    // kubelet: a start counts (started_containers_total) once it is past its backoff.
    this.#d.metrics?.containerStarted(type);
    counted = true;
    if (step.replaces !== undefined) await runtime.removeContainer(step.replaces.id);
    log.debug({ pod: podDescription(pod), container: container.name }, "starting container");
    // kubelet: the pull belongs to the sync's context, which a deletion cancels.
    const pulled = await untilAborted(this.#d.puller.ensure(pod, container, ref, sandboxConfig), signal);
    if (!pulled.ok) return fail(pulled.reason, pulled.message, pulled.retryAfterMs ?? RETRY_FAILED_START_MS);

    let config;
    log.debug({ pod: podDescription(pod), container: container.name }, "building container");
    try {
      const built = await conversions.containerConfig(pod, container, {
        sandboxConfig,
        podIPs,
        restartCount: step.restartCount,
        volumeHostPaths,
        envObjects: await this.#d.volumes.envObjects(pod),
      });
      config = { ...built, labels: { ...built.labels, [LABEL_NODE_NAME]: this.#d.nodeName } };
    } catch (err) {
      recorder.event(ref, "Warning", "Failed", `Error: ${errorMessage(err)}`);
      return fail(REASON_CREATE_CONTAINER_CONFIG_ERROR, errorMessage(err), RETRY_FAILED_START_MS);
    }
    let id: string;
    try {
      id = await runtime.createContainer(sandboxId, config, sandboxConfig);
    } catch (err) {
      recorder.event(ref, "Warning", "Failed", `Error: ${errorMessage(err)}`);
      return fail(REASON_CREATE_CONTAINER_ERROR, errorMessage(err), RETRY_FAILED_START_MS);
    }
    recorder.event(ref, "Normal", "Created", `Created container: ${container.name}`);
    try {
      await runtime.startContainer(id);
    } catch (err) {
      recorder.event(ref, "Warning", "Failed", `Error: ${errorMessage(err)}`);
      log.warn(
        { pod: podDescription(pod), container: container.name, err: errorMessage(err) },
        "container start failed",
      );
      return fail(REASON_RUN_CONTAINER_ERROR, errorMessage(err), RETRY_FAILED_START_MS);
    }
    recorder.event(ref, "Normal", "Started", `Started container ${container.name}`);
    // kubelet: postStart runs before the container counts as started; a failure kills it. A
    // deletion ends the wait (the hook itself goes on in the container).
    const hookFailure = await untilAborted(
      this.#d.hooks.postStart({ pod, container, init: step.init, containerId: id, podIP: podIPs[0] }),
      signal,
    );
    if (hookFailure !== undefined) {
      await this.#killContainer(
        pod,
        container.name,
        id,
        REASON_FAILED_POST_START_HOOK,
        gracePeriodSeconds(pod),
      );
      return fail(REASON_POST_START_HOOK_ERROR, hookFailure);
    }
    log.debug({ pod: podDescription(pod), container: container.name, id }, "container started");
    this.#setWaiting(uid, container.name, undefined);
    return { ok: true };
  }

  /** The view with each exited container's message replaced by its termination message. */
  async #withMessages(pod: IPod, view: RuntimeSnapshot): Promise<RuntimeSnapshot> {
    const specs = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
    const containers: ContainerStatus[] = [];
    for (const c of view.containers) {
      if (c.state !== "exited") {
        containers.push(c);
        continue;
      }
      let message = this.#messages.get(c.id);
      if (message === undefined) {
        const spec = specs.find((s) => s.name === containerName(c));
        message = await terminationMessage(this.#d.runtime, c, spec).catch(() => "");
        this.#messages.set(c.id, message);
      }
      containers.push(message === "" ? c : { ...c, message });
    }
    return { sandboxes: view.sandboxes, containers };
  }
}
