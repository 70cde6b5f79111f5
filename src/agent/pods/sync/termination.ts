/**
 * Ending a pod on the node (kubelet: killPod + the final delete of the status manager):
 * containers get SIGTERM and the grace period, then SIGKILL (the runtime's stop does both),
 * sandboxes are stopped and removed after them, then the pod cgroup and the pod's directories,
 * and last the pod object is deleted with gracePeriodSeconds 0 and a uid precondition, so that
 * a pod recreated under the same name is never touched. Pods that exist only in the runtime
 * (deleted while the agent was down) get the same, minus the API steps.
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { IContainerPort, ILifecycleHandler, IPod } from "kubernetes-models/v1";
import type { ApiClient } from "../../../api/index.js";
import { resourcePath } from "../../../api/index.js";
import { isConflict, isNotFound, untilAborted, type Clock, type Logger } from "../../../common/index.js";
import {
  ANNOTATION_CONTAINER_PORTS,
  ANNOTATION_PRE_STOP_HANDLER,
  ANNOTATION_TERMINATION_GRACE_PERIOD,
  podRefFromLabels,
  type ContainerRuntime,
  type ContainerStatus,
} from "../../../runtime/index.js";
import type { HookRunner, HookTarget } from "../../lifecycle/index.js";
import type { EventRecorder } from "../../events/recorder.js";
import { containerName } from "./container-plan.js";
import { stopInTerminationOrder } from "./termination-order.js";
import { MINIMUM_GRACE_PERIOD_SECONDS } from "../constants.js";
import { containerRef, gracePeriodSeconds, podRef } from "./pod-sync.js";
import type { RuntimeSnapshot } from "../workers/index.js";

/** The part of PodCgroups (agent/resources) termination uses. */
export interface PodCgroupRemover {
  remove(podUid: string): Promise<void>;
}

export interface TerminatorOptions {
  readonly runtime: ContainerRuntime;
  readonly client: Pick<ApiClient, "delete">;
  readonly recorder: EventRecorder;
  /** preStop runs before each container of a pod with a spec is stopped. */
  readonly hooks: Pick<HookRunner, "preStop">;
  readonly cgroups: PodCgroupRemover;
  /** Unmounts the pod's tmpfs volumes before its directory goes. */
  readonly volumes: { tearDown(uid: string): Promise<void> };
  /** root-dir/pods: each pod's volumes and files live in <podsDir>/<uid>. */
  readonly podsDir: string;
  /** The pod log root: each pod's logs live in <logsDir>/<namespace>_<name>_<uid>. */
  readonly logsDir: string;
  readonly clock: Clock;
  readonly log: Logger;
}

/** kubelet: BuildPodLogsDirectory. */
export function podLogsDirectory(logsDir: string, namespace: string, name: string, uid: string): string {
  return join(logsDir, `${namespace}_${name}_${uid}`);
}

export class Terminator {
  readonly #o: TerminatorOptions;

  constructor(options: TerminatorOptions) {
    this.#o = options;
  }

  /** Stops every container (grace per pod) and every sandbox; the view's objects stay. */
  async stopAll(
    pod: IPod,
    view: RuntimeSnapshot,
    graceSeconds = gracePeriodSeconds(pod),
    signal?: AbortSignal,
  ): Promise<void> {
    const { runtime, recorder } = this.#o;
    const specs = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
    const inits = new Set((pod.spec?.initContainers ?? []).map((c) => c.name));
    await stopInTerminationOrder({
      pod,
      targets: view.containers.filter((c) => c.state === "running"),
      graceSeconds,
      clock: this.#o.clock,
      statusOf: (c) => c,
      stop: async (c, grace) => {
        const name = containerName(c);
        const spec = specs.find((s) => s.name === name);
        const ref = spec ? containerRef(pod, spec, inits.has(name)) : podRef(pod);
        recorder.event(ref, "Normal", "Killing", `Stopping container ${name}`);
        const left =
          spec === undefined
            ? grace
            : await this.#o.hooks.preStop(
                { pod, container: spec, init: inits.has(name), containerId: c.id, podIP: pod.status?.podIP },
                grace,
                signal,
              );
        // A newer deletion (a shorter grace) ends the wait; its own stop then kills sooner.
        await untilAborted(runtime.stopContainer(c.id, left), signal);
      },
    });
    signal?.throwIfAborted();
    for (const s of view.sandboxes) if (s.state === "ready") await runtime.stopPodSandbox(s.id);
  }

  /** Removes containers, sandboxes, the pod cgroup and the pod's directories. */
  async removeAll(uid: string, view: RuntimeSnapshot, logDir: string | undefined): Promise<void> {
    const { runtime, cgroups, podsDir } = this.#o;
    for (const c of view.containers) await runtime.removeContainer(c.id);
    for (const s of view.sandboxes) await runtime.removePodSandbox(s.id);
    await cgroups.remove(uid);
    await this.#o.volumes.tearDown(uid);
    await rm(join(podsDir, uid), { recursive: true, force: true });
    if (logDir !== undefined) await rm(logDir, { recursive: true, force: true });
  }

  /** The final delete; a pod already gone or replaced (uid mismatch) is fine. */
  async deletePod(pod: IPod): Promise<void> {
    const path = resourcePath({
      resource: "pods",
      namespace: pod.metadata?.namespace ?? "default",
      name: pod.metadata?.name ?? "",
    });
    try {
      await this.#o.client.delete(path, {
        gracePeriodSeconds: 0,
        preconditions: { uid: pod.metadata?.uid ?? "" },
      });
    } catch (err) {
      if (isNotFound(err) || isConflict(err)) return;
      throw err;
    }
  }

  /**
   * A pod in the runtime that the API no longer has: each running container gets its recorded
   * preStop hook and grace (kubelet: killContainer restoring the spec from the annotations), then
   * everything is removed. `signal` (the agent stopping) ends the wait for the stops and skips the
   * removal: the next agent finds the same orphan in the runtime and finishes it.
   */
  async cleanupOrphan(uid: string, view: RuntimeSnapshot, signal?: AbortSignal): Promise<void> {
    const { runtime, log } = this.#o;
    const running = view.containers.filter((c) => c.state === "running");
    const podIP = view.sandboxes.find((s) => s.state === "ready")?.ip;
    await Promise.all(
      running.map(async (c) => {
        const recorded = Number.parseInt(c.annotations[ANNOTATION_TERMINATION_GRACE_PERIOD] ?? "", 10);
        const grace = Math.max(MINIMUM_GRACE_PERIOD_SECONDS, Number.isInteger(recorded) ? recorded : 0);
        const target = orphanHookTarget(c, podIP, (err) =>
          log.warn({ pod: uid, container: c.id, err }, "recorded preStop hook unreadable; not run"),
        );
        const left = target === undefined ? grace : await this.#o.hooks.preStop(target, grace, signal);
        await untilAborted(runtime.stopContainer(c.id, left), signal);
      }),
    );
    signal?.throwIfAborted();
    for (const s of view.sandboxes) if (s.state === "ready") await runtime.stopPodSandbox(s.id);
    const labels = view.sandboxes[0]?.metadata;
    const logDir =
      labels === undefined
        ? undefined
        : podLogsDirectory(this.#o.logsDir, labels.namespace, labels.name, uid);
    await this.removeAll(uid, view, logDir);
    log.info(
      { pod: uid, containers: view.containers.length, sandboxes: view.sandboxes.length },
      "orphaned pod removed",
    );
  }
}

/** The pod and container a preStop hook needs, rebuilt from a container's labels and annotations. */
function orphanHookTarget(
  c: ContainerStatus,
  podIP: string | undefined,
  unreadable: (err: unknown) => void,
): HookTarget | undefined {
  const handler = c.annotations[ANNOTATION_PRE_STOP_HANDLER];
  const pod = podRefFromLabels(c.labels);
  if (handler === undefined || pod === undefined) return undefined;
  try {
    const preStop = JSON.parse(handler) as ILifecycleHandler;
    const ports = JSON.parse(c.annotations[ANNOTATION_CONTAINER_PORTS] ?? "[]") as IContainerPort[];
    return {
      pod: { apiVersion: "v1", kind: "Pod", metadata: { ...pod } },
      container: { name: containerName(c), lifecycle: { preStop }, ports },
      init: false,
      containerId: c.id,
      podIP: podIP || undefined,
    };
  } catch (err) {
    unreadable(err);
    return undefined;
  }
}
