/**
 * The agent's pod machinery, composed (kubelet: syncLoop + podWorkers + PLEG + housekeeping +
 * container GC). Pods come from the API through PodSource; the runtime is relisted every second
 * and a pod whose runtime objects changed is woken; each pod has one serialized worker running a
 * level-triggered sync; housekeeping removes what the runtime holds for pods the API no longer
 * has; the collector removes dead containers and sandboxes. Nothing that matters is kept only in
 * memory: after a restart the runtime's labels and the API rebuild everything.
 *
 * Lifecycle: start(signal), ready (pods listed, runtime relisted, every pod woken once), stop().
 * stop() leaves running pods alone.
 */
import { readdir } from "node:fs/promises";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { IPod, IPodStatus, ISecret } from "kubernetes-models/v1";
import { resourcePath, type ApiClient } from "../../api/index.js";
import { BerthError, ErrorCode, errorMessage, type Clock, type Logger } from "../../common/index.js";
import { SYNC_FREQUENCY_MS } from "../../config/index.js";
import type { ContainerRuntime } from "../../runtime/index.js";
import type { EventRecorder } from "../events/recorder.js";
import { VolumeManager, type Mounter } from "../volumes/index.js";
import { fullName, isMirrorPodOf, MirrorPods, StaticPodSources } from "./static/index.js";
import { HookRunner } from "../lifecycle/index.js";
import { ProbeManager } from "../probes/index.js";
import {
  CONTAINER_GC_PERIOD_MS,
  CRASH_BACKOFF_INITIAL_MS,
  CRASH_BACKOFF_MAX_MS,
  HOUSEKEEPING_PERIOD_MS,
  IMAGE_BACKOFF_INITIAL_MS,
  IMAGE_BACKOFF_MAX_MS,
  RELIST_PERIOD_MS,
  RELIST_THRESHOLD_MS,
  VOLUME_MOUNT_BACKOFF_INITIAL_MS,
  VOLUME_MOUNT_BACKOFF_MAX_MS,
  WORKER_BACKOFF_PERIOD_MS,
} from "./constants.js";
import { ImagePuller } from "./images/index.js";
import { apiTime, PodStatusWriter } from "./status/index.js";
import { qosClass } from "../resources/index.js";
import {
  collectGarbage,
  currentContainers,
  DEFAULT_GC_POLICY,
  gracePeriodSeconds,
  isTerminalPhase,
  podLogsDirectory,
  podRef,
  PodSync,
  Terminator,
  type PodConversions,
  type PodKill,
} from "./sync/index.js";
import { KeyedBackoff, PodSource, PodWorkers, RuntimeCache, type SyncResult } from "./workers/index.js";
import type { KubeletMetrics } from "../metrics/index.js";

/** What node admission answers (resources' admitPod). */
export type AdmitResult =
  { readonly admit: true } | { readonly admit: false; readonly reason: string; readonly message: string };

/** Node admission of a new pod against the pods already admitted (resources' admitPod with the node's allocatable). */
export type AdmitFunction = (pod: IPod, admittedPods: readonly IPod[]) => AdmitResult | Promise<AdmitResult>;

/** The parts of PodCgroups (agent/resources) the pod machinery uses. */
export interface PodCgroupManager {
  ensure(pod: IPod): Promise<string>;
  remove(podUid: string): Promise<void>;
  list(): Promise<readonly string[]> | readonly string[];
  /** The pod cgroup's OOM count, for containers the pod-level OOM killer took (status/oom-kills.ts). */
  oomCount?(pod: IPod): Promise<number | undefined>;
  /** Re-sizes the QoS-level cgroups for the admitted pods (burstable shares). */
  updateQos?(activePods: readonly IPod[]): Promise<void>;
}

export interface PodManagerConfig {
  readonly syncFrequencyMs: number;
  readonly relistPeriodMs: number;
  readonly housekeepingPeriodMs: number;
  readonly containerGcPeriodMs: number;
  /** The first CrashLoopBackOff delay; only the e2e harness sets another than the kubelet's. */
  readonly crashBackoffInitialMs: number;
}

export const DEFAULT_POD_MANAGER_CONFIG: PodManagerConfig = {
  syncFrequencyMs: SYNC_FREQUENCY_MS,
  relistPeriodMs: RELIST_PERIOD_MS,
  housekeepingPeriodMs: HOUSEKEEPING_PERIOD_MS,
  containerGcPeriodMs: CONTAINER_GC_PERIOD_MS,
  crashBackoffInitialMs: CRASH_BACKOFF_INITIAL_MS,
};

export interface PodManagerOptions {
  readonly client: Pick<ApiClient, "list" | "watch" | "get" | "patch" | "delete" | "create">;
  readonly nodeName: string;
  readonly runtime: ContainerRuntime;
  readonly recorder: EventRecorder;
  readonly clock: Clock;
  readonly cgroups: PodCgroupManager;
  readonly conversions: PodConversions;
  readonly admit: AdmitFunction;
  /** root-dir/pods. */
  readonly podsDir: string;
  /** The pod log root (/var/log/pods equivalent). */
  readonly logsDir: string;
  readonly logger: Logger;
  readonly config?: Partial<PodManagerConfig>;
  /** tmpfs mounts of memory-backed volumes; the host's mount(8) when absent. */
  readonly mounter?: Mounter;
  /** Where static pods come from; none when absent. */
  readonly staticPods?: StaticPodConfig;
  /** The runtime handler of a pod's RuntimeClass; every pod runs under the default when absent. */
  readonly runtimeHandler?: (pod: IPod) => Promise<string>;
  /** Where the pod workers, the sync and the relist record the kubelet's metrics. */
  readonly metrics?: KubeletMetrics;
}

/** The static pod sources (KubeletConfiguration's names; "" means none). */
export interface StaticPodConfig {
  readonly staticPodPath: string;
  readonly staticPodURL: string;
  readonly fileCheckFrequencyMs: number;
  readonly httpCheckFrequencyMs: number;
}

/** kubelet: rejectPod's status message prefix. */
export const POD_REJECTED_PREFIX = "Pod was rejected: ";

export class PodManager {
  readonly ready: Promise<void>;
  readonly #o: PodManagerOptions;
  readonly #config: PodManagerConfig;
  readonly #log: Logger;
  readonly #source: PodSource;
  readonly #cache: RuntimeCache;
  readonly #workers: PodWorkers;
  readonly #sync: PodSync;
  readonly #terminator: Terminator;
  readonly #probes: ProbeManager;
  readonly #crashBackoff: KeyedBackoff;
  readonly #imageBackoff: KeyedBackoff;
  readonly #mountBackoff: KeyedBackoff;
  readonly #volumes: VolumeManager;
  readonly #statics: StaticPodSources;
  readonly #mirrors: MirrorPods;
  readonly #statusWriter: { write(pod: IPod, status: IPodStatus): Promise<IPod | undefined> };
  /** The last status computed for each static pod (its mirror may not exist to hold it). */
  readonly #staticStatus = new Map<string, IPodStatus>();
  /** Pods admitted by this process (pods with runtime objects count as admitted too). */
  readonly #admitted = new Set<string>();
  readonly #controller = new AbortController();
  #loops: Promise<void>[] = [];
  #started = false;
  #lastRelistAt: number | undefined;
  /**
   * Pods whose cgroup this process ensured. Housekeeping removes stray cgroups only among these:
   * other agents on the same machine share the cgroup root and their pods are not strays.
   */
  readonly #cgroupUids = new Set<string>();
  /** Pods with a sync in progress: the grace period it stops containers with, if it terminates. */
  readonly #syncing = new Map<string, number | undefined>();
  #markReady: () => void = () => undefined;
  #failReady: (err: unknown) => void = () => undefined;

  constructor(options: PodManagerOptions) {
    if (!options.nodeName) throw new BerthError(ErrorCode.Config, "pod manager: nodeName is required");
    if (!options.podsDir || !options.logsDir) {
      throw new BerthError(ErrorCode.Config, "pod manager: podsDir and logsDir are required");
    }
    const config = { ...DEFAULT_POD_MANAGER_CONFIG, ...options.config };
    for (const [key, value] of Object.entries(config)) {
      if (!(Number.isFinite(value) && value > 0)) {
        throw new BerthError(ErrorCode.Config, `pod manager: ${key} must be a positive number, not ${value}`);
      }
    }
    this.#o = options;
    this.#config = config;
    const log = options.logger.child({ component: "pods" });
    this.#log = log;
    const { client, runtime, recorder, clock } = options;
    this.#crashBackoff = new KeyedBackoff({
      initialMs: Math.min(config.crashBackoffInitialMs, CRASH_BACKOFF_MAX_MS),
      maxMs: CRASH_BACKOFF_MAX_MS,
      clock,
    });
    this.#imageBackoff = new KeyedBackoff({
      initialMs: IMAGE_BACKOFF_INITIAL_MS,
      maxMs: IMAGE_BACKOFF_MAX_MS,
      clock,
    });
    this.#mountBackoff = new KeyedBackoff({
      initialMs: VOLUME_MOUNT_BACKOFF_INITIAL_MS,
      maxMs: VOLUME_MOUNT_BACKOFF_MAX_MS,
      clock,
    });
    this.#volumes = new VolumeManager({
      client,
      podsDir: options.podsDir,
      clock,
      log: log.child({ component: "volumes" }),
      downward: (item, pod) => options.conversions.downwardValue(item, pod),
      onPodChange: (uid) => {
        if (this.#started) this.#workers.wake(uid);
      },
      ...(options.mounter === undefined ? {} : { mounter: options.mounter }),
    });
    this.#cache = new RuntimeCache({ runtime, log, nodeName: options.nodeName });
    this.#workers = new PodWorkers({
      clock,
      log,
      resyncMs: config.syncFrequencyMs,
      errorBackoffMs: WORKER_BACKOFF_PERIOD_MS,
      sync: (uid, signal) => this.#syncPod(uid, signal),
      ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
    });
    this.#source = new PodSource({
      client,
      nodeName: options.nodeName,
      clock,
      log,
      onChange: (uid) => {
        if (!this.#started) return;
        // kubelet: HandlePodRemoves stops the probes of a pod gone from the API at once, before
        // its containers are stopped: nothing probes them while they go.
        if (!this.#has(uid)) void this.#probes.removePod(uid);
        if (this.#interrupts(uid)) this.#workers.interrupt(uid);
        else this.#workers.wake(uid);
      },
      ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
      onMirrorChange: (name) => {
        const uid = this.#statics.byFullName(name)?.metadata?.uid;
        if (this.#started && uid !== undefined) this.#workers.wake(uid);
      },
    });
    const statics = options.staticPods;
    this.#statics = new StaticPodSources({
      nodeName: options.nodeName,
      staticPodPath: statics?.staticPodPath ?? "",
      staticPodURL: statics?.staticPodURL ?? "",
      fileCheckFrequencyMs: statics?.fileCheckFrequencyMs ?? 1,
      httpCheckFrequencyMs: statics?.httpCheckFrequencyMs ?? 1,
      clock,
      log,
      onChange: (uid) => {
        if (this.#started) this.#workers.wake(uid);
      },
    });
    this.#mirrors = new MirrorPods({ client, nodeName: options.nodeName, log });
    const writer = new PodStatusWriter(client);
    this.#statusWriter = {
      write: (pod, status) => {
        const uid = pod.metadata?.uid ?? "";
        if (!this.#statics.has(uid)) return writer.write(pod, status);
        return this.#writeStaticStatus(pod, status, writer);
      },
    };
    const puller = new ImagePuller({
      runtime,
      recorder,
      backoff: this.#imageBackoff,
      clock,
      log,
      getSecret: (namespace, name) =>
        client.get<ISecret>(resourcePath({ resource: "secrets", namespace, name })),
      ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
    });
    this.#probes = new ProbeManager({
      runtime,
      recorder,
      clock,
      logger: log,
      onChange: (uid) => {
        if (this.#started) this.#workers.wake(uid);
      },
    });
    const hooks = new HookRunner({ runtime, recorder, clock, logger: log });
    this.#sync = new PodSync({
      runtime,
      cache: this.#cache,
      conversions: options.conversions,
      puller,
      crashBackoff: this.#crashBackoff,
      recorder,
      statusWriter: this.#statusWriter,
      cgroups: {
        ensure: (pod) => {
          this.#cgroupUids.add(pod.metadata?.uid ?? "");
          return options.cgroups.ensure(pod);
        },
        oomCount: (pod) => options.cgroups.oomCount?.(pod) ?? Promise.resolve(undefined),
      },
      volumes: this.#volumes,
      mountBackoff: this.#mountBackoff,
      clock,
      log,
      nodeName: options.nodeName,
      probes: this.#probes,
      hooks,
      ...(options.runtimeHandler === undefined ? {} : { runtimeHandler: options.runtimeHandler }),
      ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
    });
    this.#terminator = new Terminator({
      runtime,
      client,
      recorder,
      hooks,
      cgroups: options.cgroups,
      volumes: this.#volumes,
      podsDir: options.podsDir,
      logsDir: options.logsDir,
      clock,
      log,
    });
    this.ready = new Promise<void>((resolve, reject) => {
      this.#markReady = resolve;
      this.#failReady = reject;
    });
    this.ready.catch(() => undefined);
  }

  /**
   * Whether the runtime was relisted recently (kubelet: PLEG Healthy): the node's Ready condition
   * should turn false with this message otherwise.
   */
  health(): { healthy: true } | { healthy: false; message: string } {
    const last = this.#lastRelistAt;
    const now = this.#o.clock.now();
    if (last !== undefined && now - last <= RELIST_THRESHOLD_MS) return { healthy: true };
    const ago = last === undefined ? "never" : `${Math.round((now - last) / 1000)}s ago`;
    return {
      healthy: false,
      message: `PLEG is not healthy: pleg was last seen active ${ago}; threshold is 3m0s`,
    };
  }

  /** The pods bound to this node as last seen from the API, and the static pods. */
  pods(): IPod[] {
    return [...this.#source.pods(), ...this.#statics.pods()];
  }

  start(signal?: AbortSignal): void {
    if (this.#loops.length > 0 || this.#started)
      throw new BerthError(ErrorCode.Internal, "pod manager already started");
    const forward = (): void => this.#controller.abort(signal?.reason);
    if (signal?.aborted) forward();
    signal?.addEventListener("abort", forward, { once: true });
    this.#probes.start(this.#controller.signal);
    this.#loops.push(this.#run().catch((err: unknown) => this.#failReady(err)));
  }

  /** Stops watching, relisting and syncing; running pods keep running. */
  async stop(): Promise<void> {
    this.#controller.abort();
    await this.#source.stop();
    await this.#statics.stop();
    await this.#workers.stop();
    await this.#volumes.stop();
    await this.#probes.stop();
    await Promise.allSettled(this.#loops);
    this.#failReady(new BerthError(ErrorCode.Internal, "pod manager stopped before it was ready"));
  }

  /**
   * Kills the pod and makes it Failed with the kill's reason, message and condition (kubelet:
   * killPodNow, as the eviction manager uses it); resolves once its worker has been woken.
   */
  killPod(pod: IPod, kill: PodKill): Promise<void> {
    const uid = pod.metadata?.uid ?? "";
    if (!this.#has(uid)) {
      return Promise.reject(new BerthError(ErrorCode.NotFound, `pod ${uid} is not on this node`));
    }
    this.#sync.requestKill(uid, kill);
    this.#workers.wake(uid);
    return Promise.resolve();
  }

  /** Resolves when no pod sync is running or pending (for tests and orderly checks). */
  idle(): Promise<void> {
    return this.#workers.idle();
  }

  /** One relist of the runtime, waking the pods that changed (the PLEG tick). */
  async relist(): Promise<void> {
    const start = this.#o.clock.now();
    const changed = await this.#cache.relist();
    this.#lastRelistAt = this.#o.clock.now();
    this.#o.metrics?.relisted(start, this.#lastRelistAt - start);
    for (const uid of changed) this.#workers.wake(uid);
  }

  /** One housekeeping pass: wake pods the runtime has and the API does not; drop stray cgroups and dirs. */
  async housekeeping(): Promise<void> {
    for (const uid of this.#cache.uids()) if (!this.#has(uid)) this.#workers.wake(uid);
    const known = (uid: string): boolean =>
      this.#has(uid) || this.#cache.uids().includes(uid) || this.#workers.has(uid);
    const attempt = async (what: string, uid: string, fn: () => Promise<void>): Promise<void> => {
      try {
        await fn();
      } catch (err) {
        this.#log.info({ pod: uid, err: errorMessage(err) }, `stray pod ${what} not removed`);
      }
    };
    for (const uid of await this.#o.cgroups.list()) {
      if (!this.#cgroupUids.has(uid) || known(uid)) continue;
      await attempt("cgroup", uid, () => this.#o.cgroups.remove(uid));
      this.#cgroupUids.delete(uid);
    }
    const dirs = await readdir(this.#o.podsDir).catch(() => [] as string[]);
    for (const uid of dirs) {
      if (!known(uid))
        await attempt("directory", uid, async () => {
          await this.#volumes.tearDown(uid);
          await rm(join(this.#o.podsDir, uid), { recursive: true, force: true });
        });
    }
    await this.#deleteOrphanedMirrors();
    const active = this.pods().filter((p) => !isTerminalPhase(p.status?.phase));
    await this.#o.cgroups.updateQos?.(active);
    const live = new Set(this.pods().map((p) => p.metadata?.uid ?? ""));
    await this.#probes.cleanupPods(live);
    const keep = (key: string): boolean => live.has(key.split("/")[0] ?? "");
    this.#crashBackoff.retain(keep);
    this.#imageBackoff.retain(keep);
    this.#mountBackoff.retain(keep);
    this.#log.debug({ pods: live.size }, "housekeeping done");
  }

  /**
   * Every dead container the policy allows, and all of those of terminated pods (kubelet:
   * ContainerGC.DeleteAllUnusedContainers, evicting non-deleted pods' containers too).
   */
  async deleteAllUnusedContainers(): Promise<void> {
    const terminated = new Set(
      this.pods()
        .filter((p) => isTerminalPhase(p.status?.phase))
        .map((p) => p.metadata?.uid ?? ""),
    );
    const removed = await collectGarbage(
      this.#o.runtime,
      this.#o.nodeName,
      (uid) => this.#has(uid),
      this.#o.clock.now(),
      this.#log,
      { ...DEFAULT_GC_POLICY, keepNoneOf: (uid) => terminated.has(uid) },
    );
    this.#log.info({ ...removed }, "unused containers deleted");
  }

  /** One garbage collection pass. */
  async collectGarbage(): Promise<void> {
    const removed = await collectGarbage(
      this.#o.runtime,
      this.#o.nodeName,
      (uid) => this.#has(uid),
      this.#o.clock.now(),
      this.#log,
    );
    this.#log.debug({ ...removed }, "garbage collection done");
  }

  async #run(): Promise<void> {
    const signal = this.#controller.signal;
    this.#source.start(signal);
    this.#statics.start(signal);
    await Promise.all([this.#source.ready, this.#statics.ready]);
    await this.#cache.relist();
    this.#lastRelistAt = this.#o.clock.now();
    this.#started = true;
    const uids = new Set([...this.pods().map((p) => p.metadata?.uid ?? ""), ...this.#cache.uids()]);
    // Older pods first, so that node admission after a restart favours the pods that came first.
    const order = [...uids].filter(Boolean).sort((a, b) => this.#created(a) - this.#created(b));
    for (const uid of order) this.#workers.wake(uid);
    this.#markReady();
    this.#loops.push(
      this.#every(this.#config.relistPeriodMs, "relist", () => this.relist()),
      this.#every(this.#config.housekeepingPeriodMs, "housekeeping", () => this.housekeeping()),
      this.#every(this.#config.containerGcPeriodMs, "garbage collection", () => this.collectGarbage()),
    );
  }

  /** Whether uid is a pod the node should run: bound to it in the API, or static. */
  #has(uid: string): boolean {
    return this.#source.has(uid) || this.#statics.has(uid);
  }

  /**
   * The pod to sync: from the API, or the static pod with the status its mirror holds (or the
   * last one computed, while there is no mirror).
   */
  #desired(uid: string): IPod | undefined {
    const pod = this.#source.get(uid);
    if (pod !== undefined) return pod;
    const sp = this.#statics.get(uid);
    if (sp === undefined) return undefined;
    const mirror = this.#source.mirror(fullName(sp));
    const status =
      mirror !== undefined && isMirrorPodOf(mirror, sp) ? mirror.status : this.#staticStatus.get(uid);
    return status === undefined ? sp : { ...sp, status };
  }

  /** The mirror pod as it must be; the API being away does not stop the static pod. */
  async #syncMirror(pod: IPod): Promise<void> {
    try {
      await this.#mirrors.sync(pod, this.#source.mirror(fullName(pod)));
    } catch (err) {
      this.#log.info({ pod: fullName(pod), err: errorMessage(err) }, "mirror pod not synced");
    }
  }

  /** A static pod's status goes to its mirror pod, when there is one of this manifest. */
  async #writeStaticStatus(
    pod: IPod,
    status: IPodStatus,
    writer: PodStatusWriter,
  ): Promise<IPod | undefined> {
    this.#staticStatus.set(pod.metadata?.uid ?? "", status);
    const mirror = this.#source.mirror(fullName(pod));
    if (mirror === undefined || !isMirrorPodOf(mirror, pod) || mirror.metadata?.deletionTimestamp)
      return undefined;
    try {
      return await writer.write({ ...pod, metadata: { ...pod.metadata, uid: mirror.metadata?.uid } }, status);
    } catch (err) {
      this.#log.info({ pod: fullName(pod), err: errorMessage(err) }, "mirror pod status not written");
      return undefined;
    }
  }

  /** kubelet: HandlePodCleanups' deletion of mirror pods whose static pod is gone. */
  async #deleteOrphanedMirrors(): Promise<void> {
    for (const mirror of this.#source.mirrors()) {
      if (this.#statics.byFullName(fullName(mirror)) !== undefined) continue;
      await this.#mirrors.delete(mirror).catch(() => undefined);
    }
  }

  #created(uid: string): number {
    const ts = this.#source.get(uid)?.metadata?.creationTimestamp;
    if (ts === undefined && this.#statics.has(uid)) return 0;
    return ts === undefined ? 0 : Date.parse(String(ts));
  }

  async #every(periodMs: number, what: string, fn: () => Promise<void>): Promise<void> {
    const signal = this.#controller.signal;
    while (!signal.aborted) {
      try {
        await this.#o.clock.sleep(periodMs, signal);
      } catch {
        return;
      }
      try {
        await fn();
      } catch (err) {
        if (!signal.aborted)
          this.#log.warn({ err: errorMessage(err), loop: what }, "periodic pod task failed");
      }
    }
  }

  /**
   * Whether a change to uid must cut its sync in progress short (kubelet: UpdatePod): the pod was
   * deleted while it was being synced, or deleted again with a shorter grace period than the one
   * its termination is waiting out.
   */
  #interrupts(uid: string): boolean {
    if (!this.#syncing.has(uid)) return false;
    const grace = this.#syncing.get(uid);
    const pod = this.#desired(uid);
    if (pod === undefined) return true;
    if (!pod.metadata?.deletionTimestamp) return false;
    return grace === undefined || gracePeriodSeconds(pod) < grace;
  }

  async #syncPod(uid: string, signal: AbortSignal): Promise<SyncResult> {
    const pod = this.#desired(uid);
    this.#syncing.set(uid, pod?.metadata?.deletionTimestamp ? gracePeriodSeconds(pod) : undefined);
    try {
      return await this.#syncPodOnce(uid, pod, signal);
    } finally {
      this.#syncing.delete(uid);
    }
  }

  async #syncPodOnce(uid: string, pod: IPod | undefined, signal: AbortSignal): Promise<SyncResult> {
    if (pod === undefined) {
      // Again here: a sync that was in progress when the pod went may have added workers back.
      await this.#probes.removePod(uid);
      const view = await this.#cache.podView(uid);
      if (view.sandboxes.length > 0 || view.containers.length > 0)
        await this.#terminator.cleanupOrphan(uid, view, signal);
      this.#sync.forget(uid, view);
      this.#volumes.unregister(uid);
      this.#staticStatus.delete(uid);
      this.#admitted.delete(uid);
      this.#cgroupUids.delete(uid);
      return { done: true };
    }
    if (pod.metadata?.deletionTimestamp) {
      await this.#terminate(pod, signal);
      return { done: true };
    }
    if (this.#statics.has(uid)) await this.#syncMirror(pod);
    if (!(await this.#isAdmitted(pod))) return {};
    const result = await this.#sync.sync(pod, signal);
    return result.retryAfterMs === undefined ? {} : { retryAfterMs: result.retryAfterMs };
  }

  async #terminate(pod: IPod, signal: AbortSignal): Promise<void> {
    const uid = pod.metadata?.uid ?? "";
    let view = await this.#cache.podView(uid);
    // kubelet: liveness and startup stop, and the containers are not ready any more, before the
    // (possibly long) stop: the Ready condition turns false as soon as deletion starts.
    await this.#probes.terminating(pod, currentContainers(view));
    if (view.containers.length > 0 && !isTerminalPhase(pod.status?.phase)) {
      await this.#sync.writeStatus(pod, view, undefined).catch((err: unknown) => {
        this.#log.info({ pod: uid, err: errorMessage(err) }, "terminating status not written");
      });
    }
    await this.#terminator.stopAll(pod, view, gracePeriodSeconds(pod), signal);
    view = await this.#cache.podView(uid);
    // The final status (containers terminated) before the objects that back it go.
    if (view.containers.length > 0 && !isTerminalPhase(pod.status?.phase)) {
      await this.#sync.writeStatus(pod, view, undefined, true).catch((err: unknown) => {
        this.#log.info({ pod: uid, err: errorMessage(err) }, "final status not written");
      });
    }
    const m = pod.metadata ?? {};
    const logDir = podLogsDirectory(this.#o.logsDir, m.namespace ?? "default", m.name ?? "", uid);
    await this.#terminator.removeAll(uid, view, logDir);
    this.#sync.forget(uid, view);
    this.#volumes.unregister(uid);
    await this.#terminator.deletePod(pod);
    this.#admitted.delete(uid);
    this.#cgroupUids.delete(uid);
  }

  /** kubelet: canAdmitPod, for pods new to the node; a rejected pod is made Failed. */
  async #isAdmitted(pod: IPod): Promise<boolean> {
    const uid = pod.metadata?.uid ?? "";
    if (this.#admitted.has(uid)) return true;
    if (isTerminalPhase(pod.status?.phase)) return true;
    const view = this.#cache.get(uid);
    if (pod.status?.phase === "Running" || view.sandboxes.length > 0 || view.containers.length > 0) {
      this.#admitted.add(uid);
      return true;
    }
    const others = this.pods().filter(
      (p) => this.#admitted.has(p.metadata?.uid ?? "") && !isTerminalPhase(p.status?.phase),
    );
    const verdict = await this.#o.admit(pod, others);
    if (verdict.admit) {
      this.#admitted.add(uid);
      return true;
    }
    // kubelet rejectPod: the event has the bare message, the status the "Pod was rejected: " one,
    // with the QoS class and a start time (the status manager's).
    this.#o.recorder.event(podRef(pod), "Warning", verdict.reason, verdict.message);
    await this.#statusWriter.write(pod, {
      ...pod.status,
      phase: "Failed",
      reason: verdict.reason,
      message: `${POD_REJECTED_PREFIX}${verdict.message}`,
      startTime: pod.status?.startTime ?? apiTime(new Date(this.#o.clock.now())),
      qosClass: qosClass(pod),
    });
    return false;
  }
}
