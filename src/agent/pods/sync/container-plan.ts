/**
 * What one sync must do to bring a pod's runtime objects to its spec (kubelet:
 * kuberuntime computePodActions), as a pure function of the pod and the runtime view so that it
 * can be tested exhaustively. The sync executes the plan; running it again on the result plans
 * nothing new: that is what makes the sync level-triggered and idempotent.
 */
import type { IContainer, IPod } from "kubernetes-models/v1";
import {
  ANNOTATION_CONTAINER_RESTART_COUNT,
  LABEL_CONTAINER_NAME,
  type Container,
  type ContainerStatus,
  type PodSandboxStatus,
} from "../../../runtime/index.js";
import type { RuntimeSnapshot } from "../workers/index.js";

export type RestartPolicy = "Always" | "OnFailure" | "Never";

export interface StartStep {
  readonly container: IContainer;
  readonly init: boolean;
  readonly restartCount: number;
  /** The exited container this start replaces (its finish time keys the CrashLoopBackOff). */
  readonly previous: ContainerStatus | undefined;
  /**
   * A container created but never started (the agent died between create and start): it is
   * removed and created again with the same restart count, which is not a restart.
   */
  readonly replaces: ContainerStatus | undefined;
}

export interface KillStep {
  readonly status: ContainerStatus;
  /** For the Killing event: why it is stopped. */
  readonly reason: string;
  /** The Killing event's message when it is not the default "Stopping container NAME". */
  readonly message?: string;
  /** Grace that overrides the pod's (a probe's terminationGracePeriodSeconds). */
  readonly graceSeconds?: number;
}

/** A running container a liveness or startup probe failed (src/agent/probes ProbeKill). */
export interface ProbeKillInput {
  readonly reason: string;
  /** "Container NAME failed liveness probe". */
  readonly message: string;
  readonly graceSeconds: number | undefined;
}

export interface PodPlan {
  /** Create a sandbox with this attempt number (the current one is missing or dead). */
  readonly createSandbox: { readonly attempt: number } | undefined;
  /** The ready sandbox containers start in (undefined when one must be created first). */
  readonly sandbox: PodSandboxStatus | undefined;
  readonly kill: readonly KillStep[];
  /** Sandboxes to stop (not the current one). */
  readonly stopSandboxes: readonly string[];
  /** Containers to start, in order; init containers one at a time. */
  readonly start: readonly StartStep[];
  /** An init container failed and the pod may not restart it: the pod has failed. */
  readonly initFailed: boolean;
}

export function restartPolicyOf(pod: IPod): RestartPolicy {
  return pod.spec?.restartPolicy ?? "Always";
}

/** Whether a container that exited with exitCode is started again (kubelet: ShouldContainerBeRestarted). */
export function shouldRestart(policy: RestartPolicy, exitCode: number): boolean {
  return policy === "Always" || (policy === "OnFailure" && exitCode !== 0);
}

export function containerName(status: Pick<Container, "labels" | "metadata">): string {
  return status.labels[LABEL_CONTAINER_NAME] ?? status.metadata.name;
}

/** The restart count a container carries (annotation, else the CRI attempt). */
export function restartCountOf(status: ContainerStatus): number {
  const raw = status.annotations[ANNOTATION_CONTAINER_RESTART_COUNT];
  const n = raw === undefined ? Number.NaN : Number.parseInt(raw, 10);
  return Number.isInteger(n) && n >= 0 ? n : status.metadata.attempt;
}

/** The next restart count of a container name: one more than the highest seen, 0 for the first. */
export function nextRestartCount(view: RuntimeSnapshot, name: string): number {
  let max = -1;
  for (const c of view.containers) if (containerName(c) === name) max = Math.max(max, restartCountOf(c));
  return max + 1;
}

/** The newest container of this name, in any sandbox, exited 0 (kubelet: containerSucceeded). */
function succeeded(view: RuntimeSnapshot, name: string): boolean {
  const newest = view.containers.find((c) => containerName(c) === name);
  return newest?.state === "exited" && newest.exitCode === 0;
}

function isActive(status: ContainerStatus): boolean {
  return status.state === "running";
}

/** The kill a failed probe asks for; ", will be restarted" when the container starts again. */
function probeKillStep(status: ContainerStatus, kill: ProbeKillInput, restart: boolean): KillStep {
  return {
    status,
    reason: kill.reason,
    message: restart ? `${kill.message}, will be restarted` : kill.message,
    ...(kill.graceSeconds === undefined ? {} : { graceSeconds: kill.graceSeconds }),
  };
}

export interface PlanInputs {
  readonly pod: IPod;
  readonly view: RuntimeSnapshot;
  /** Hash the spec wants for a container, compared with runningHash. */
  readonly hashOf: (container: IContainer) => string;
  readonly runningHash: (status: ContainerStatus) => string | undefined;
  /** Stop everything and start nothing (terminal phase, deadline exceeded). */
  readonly stopAll: boolean;
  /** Whether a running container failed its liveness or startup probe (kubelet: livenessManager, startupManager). */
  readonly probeKill?: (container: IContainer, status: ContainerStatus) => ProbeKillInput | undefined;
}

export function planPod(inputs: PlanInputs): PodPlan {
  const { pod, view, stopAll } = inputs;
  const policy = restartPolicyOf(pod);
  const initContainers = pod.spec?.initContainers ?? [];
  const containers = pod.spec?.containers ?? [];
  const latest = view.sandboxes[0];
  const kill: KillStep[] = [];
  const stopSandboxes: string[] = [];

  if (stopAll) {
    for (const c of view.containers) if (isActive(c)) kill.push({ status: c, reason: "stop" });
    for (const s of view.sandboxes) if (s.state === "ready") stopSandboxes.push(s.id);
    return {
      createSandbox: undefined,
      sandbox: undefined,
      kill,
      stopSandboxes,
      start: [],
      initFailed: false,
    };
  }

  for (const s of view.sandboxes) if (s !== latest && s.state === "ready") stopSandboxes.push(s.id);

  if (latest === undefined || latest.state !== "ready") {
    for (const c of view.containers) if (isActive(c)) kill.push({ status: c, reason: "sandbox" });
    // kubelet: a pod that may not restart and has already run containers gets no new sandbox;
    // nor does an OnFailure pod whose regular containers have all succeeded.
    const ranBefore = view.containers.length > 0;
    const allSucceeded =
      policy === "OnFailure" && containers.length > 0 && containers.every((c) => succeeded(view, c.name));
    if (latest !== undefined && ranBefore && (policy === "Never" || allSucceeded)) {
      return {
        createSandbox: undefined,
        sandbox: undefined,
        kill,
        stopSandboxes,
        start: [],
        initFailed: false,
      };
    }
    const attempt = latest === undefined ? 0 : latest.metadata.attempt + 1;
    return {
      createSandbox: { attempt },
      sandbox: undefined,
      kill,
      stopSandboxes,
      start: [],
      initFailed: false,
    };
  }

  const sandbox = latest;
  const inSandbox = view.containers.filter((c) => c.podSandboxId === sandbox.id);
  const wanted = new Set([...initContainers, ...containers].map((c) => c.name));
  for (const c of view.containers) {
    if (!isActive(c)) continue;
    if (c.podSandboxId !== sandbox.id) kill.push({ status: c, reason: "sandbox" });
    else if (!wanted.has(containerName(c))) kill.push({ status: c, reason: "unknown" });
  }
  // The newest container of each name in the current sandbox (view is newest first).
  const current = new Map<string, ContainerStatus>();
  for (const c of inSandbox) if (!current.has(containerName(c))) current.set(containerName(c), c);

  const start: StartStep[] = [];
  const startStep = (
    container: IContainer,
    init: boolean,
    previous: ContainerStatus | undefined,
  ): StartStep => ({
    container,
    init,
    restartCount: nextRestartCount(view, container.name),
    previous,
    replaces: undefined,
  });
  const retryStep = (container: IContainer, init: boolean, stuck: ContainerStatus): StartStep => ({
    container,
    init,
    restartCount: restartCountOf(stuck),
    previous: undefined,
    replaces: stuck,
  });

  for (const container of initContainers) {
    const status = current.get(container.name);
    if (container.restartPolicy === "Always") {
      // A sidecar (restartable init container): started in its turn, then it runs beside the
      // others and is restarted whenever it stops, whatever the pod's policy.
      const failed = status?.state === "running" ? inputs.probeKill?.(container, status) : undefined;
      if (status === undefined) start.push(startStep(container, true, undefined));
      else if (failed !== undefined) {
        kill.push(probeKillStep(status, failed, true));
        start.push(startStep(container, true, undefined));
      } else if (status.state === "created") start.push(retryStep(container, true, status));
      else if (status.state !== "running") start.push(startStep(container, true, status));
      continue;
    }
    if (status === undefined) {
      start.push(startStep(container, true, undefined));
      return { createSandbox: undefined, sandbox, kill, stopSandboxes, start, initFailed: false };
    }
    if (status.state === "running") {
      return { createSandbox: undefined, sandbox, kill, stopSandboxes, start, initFailed: false };
    }
    if (status.state === "exited" && status.exitCode === 0) continue;
    if (status.state === "created") {
      start.push(retryStep(container, true, status));
      return { createSandbox: undefined, sandbox, kill, stopSandboxes, start, initFailed: false };
    }
    // Failed (or unknown): restart per policy.
    if (policy === "Never") {
      for (const c of inSandbox) if (isActive(c)) kill.push({ status: c, reason: "init" });
      return { createSandbox: undefined, sandbox, kill, stopSandboxes, start, initFailed: true };
    }
    start.push(startStep(container, true, status));
    return { createSandbox: undefined, sandbox, kill, stopSandboxes, start, initFailed: false };
  }

  // Regular containers that run and stay running (kubelet: keepCount).
  let keep = 0;
  for (const container of containers) {
    const status = current.get(container.name);
    if (status === undefined) {
      // kubelet: in a new sandbox an OnFailure pod does not run again what already succeeded.
      if (policy !== "OnFailure" || !succeeded(view, container.name)) {
        start.push(startStep(container, false, undefined));
      }
      continue;
    }
    if (status.state === "running") {
      const want = inputs.hashOf(container);
      const have = inputs.runningHash(status);
      if (have !== undefined && have !== want) {
        kill.push({ status, reason: "changed" });
        start.push(startStep(container, false, undefined));
        continue;
      }
      // kubelet: a failed liveness or startup probe kills the container; it starts again at once
      // unless the pod never restarts.
      const failed = inputs.probeKill?.(container, status);
      if (failed !== undefined) {
        const restart = policy !== "Never";
        kill.push(probeKillStep(status, failed, restart));
        if (restart) start.push(startStep(container, false, undefined));
      } else {
        keep++;
      }
      continue;
    }
    if (status.state === "created") {
      start.push(retryStep(container, false, status));
      continue;
    }
    const exitCode = status.state === "exited" ? status.exitCode : 1;
    if (shouldRestart(policy, exitCode)) start.push(startStep(container, false, status));
  }
  if (containers.length > 0 && keep === 0 && !start.some((s) => !s.init)) {
    // kubelet: computePodActions KillPod. Every regular container has finished for good: the pod
    // is done, so its sidecars are stopped (not restarted) and so is its sandbox.
    const killing = new Set(kill.map((k) => k.status.id));
    for (const c of inSandbox)
      if (isActive(c) && !killing.has(c.id)) kill.push({ status: c, reason: "stop" });
    stopSandboxes.push(sandbox.id);
    return { createSandbox: undefined, sandbox, kill, stopSandboxes, start: [], initFailed: false };
  }
  return { createSandbox: undefined, sandbox, kill, stopSandboxes, start, initFailed: false };
}
