/**
 * Container statuses from the runtime (kubelet: convertToAPIContainerStatuses and
 * convertContainerStatus). For each container of the spec: the newest runtime container of that
 * name gives `state`, the one before it `lastState`; a container the runtime never had waits
 * (ContainerCreating, or PodInitializing in a pod with init containers); one that vanished while
 * running is reported terminated with ContainerStatusUnknown; and a waiting reason the agent
 * reports (CrashLoopBackOff, ErrImagePull, ...) replaces the state of a container it will start
 * again, the previous termination moving to lastState.
 */
import type {
  IContainer,
  IContainerState,
  IContainerStatus,
  IPod,
  IVolumeMountStatus,
} from "kubernetes-models/v1";
import {
  ANNOTATION_CONTAINER_RESTART_COUNT,
  LABEL_CONTAINER_NAME,
  type ContainerStatus,
} from "../../../runtime/index.js";
import { isRestartableInitContainer } from "../../resources/index.js";
import { apiTimeFromNanos } from "./time.js";

export const WAITING_CONTAINER_CREATING = "ContainerCreating"; // kubelet: ContainerCreating
export const WAITING_POD_INITIALIZING = "PodInitializing"; // kubelet: PodInitializing
export const TERMINATED_COMPLETED = "Completed"; // kuberuntime: exit code 0
export const TERMINATED_ERROR = "Error"; // kuberuntime: non-zero exit code
export const TERMINATED_OOM_KILLED = "OOMKilled";
export const TERMINATED_STATUS_UNKNOWN = "ContainerStatusUnknown"; // kubelet: ContainerReasonStatusUnknown
/** The exit code reported for a container that vanished (as if SIGKILLed). */
export const STATUS_UNKNOWN_EXIT_CODE = 137;
export const MESSAGE_VANISHED_WHILE_RUNNING =
  "The container could not be located when the pod was terminated";
export const MESSAGE_VANISHED_WHEN_DELETED =
  "The container could not be located when the pod was deleted.  The container used to be Running";

/** Why the agent could not start a container (the state it should show as waiting). */
export interface WaitingReason {
  readonly reason: string;
  readonly message: string;
}

export interface ContainerStatusInputs {
  /** "containerd" or "docker": the containerID scheme. */
  readonly runtimeName: string;
  readonly waiting: Readonly<Record<string, WaitingReason>>;
  /** Readiness probe results by container name; only consulted for containers with a readinessProbe. */
  readonly readiness: Readonly<Record<string, boolean>>;
  /** Startup probe results by container name; only consulted for containers with a startupProbe. */
  readonly startup: Readonly<Record<string, boolean>>;
  /** The agent stopped this pod for good: nothing restarts, so no waiting reason applies. */
  readonly podIsTerminal: boolean;
}

function runtimeName(container: ContainerStatus): string {
  return container.metadata.name || container.labels[LABEL_CONTAINER_NAME] || "";
}

/** The restart count the agent wrote on the container, else its metadata attempt. */
export function runtimeRestartCount(container: ContainerStatus): number {
  const text = container.annotations[ANNOTATION_CONTAINER_RESTART_COUNT];
  const parsed = text === undefined ? Number.NaN : Number.parseInt(text, 10);
  return Number.isInteger(parsed) && parsed >= 0 ? parsed : container.metadata.attempt;
}

function newestFirst(a: ContainerStatus, b: ContainerStatus): number {
  return a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0;
}

function terminatedReason(container: ContainerStatus): string {
  if (container.reason) return container.reason;
  return container.exitCode === 0 ? TERMINATED_COMPLETED : TERMINATED_ERROR;
}

/** One runtime container as the API's state (kubelet: convertContainerStatus). */
function convertOne(
  container: ContainerStatus,
  spec: IContainer,
  old: IContainerStatus | undefined,
  inputs: ContainerStatusInputs,
): IContainerStatus {
  const containerID = `${inputs.runtimeName}://${container.id}`;
  let restartCount = runtimeRestartCount(container);
  let state: IContainerState;
  switch (container.state) {
    case "running": {
      const startedAt = apiTimeFromNanos(container.startedAt);
      state = { running: startedAt === undefined ? {} : { startedAt } };
      break;
    }
    case "created":
      state = { waiting: {} };
      break;
    case "exited": {
      const startedAt = apiTimeFromNanos(container.startedAt);
      const finishedAt = apiTimeFromNanos(container.finishedAt);
      state = {
        terminated: {
          exitCode: container.exitCode,
          reason: terminatedReason(container),
          ...(container.message ? { message: container.message } : {}),
          ...(startedAt === undefined ? {} : { startedAt }),
          ...(finishedAt === undefined ? {} : { finishedAt }),
          containerID,
        },
      };
      break;
    }
    case "unknown":
      if (old?.state?.running) {
        // It ran and is gone: report a termination rather than a fresh wait, so it is not run twice.
        state = {
          terminated: {
            exitCode: STATUS_UNKNOWN_EXIT_CODE,
            reason: TERMINATED_STATUS_UNKNOWN,
            message: MESSAGE_VANISHED_WHILE_RUNNING,
          },
        };
        restartCount = old.restartCount + 1;
      } else {
        state = { waiting: {} };
      }
      break;
  }
  const mounts = volumeMountStatuses(spec);
  return {
    name: spec.name,
    image: spec.image ?? container.image.image,
    imageID: container.imageRef,
    containerID,
    state,
    lastState: {},
    ready: false,
    restartCount,
    ...(mounts.length > 0 ? { volumeMounts: mounts } : {}),
  };
}

/**
 * The container's volume mounts as its status lists them (kubelet convertContainerStatus with
 * RecursiveReadOnlyMounts, on by default since 1.31): a read-only mount says whether it is
 * recursively read-only, which berth's runtimes never make it.
 */
function volumeMountStatuses(spec: IContainer): IVolumeMountStatus[] {
  return (spec.volumeMounts ?? []).map((m) => ({
    name: m.name,
    mountPath: m.mountPath,
    ...(m.readOnly === true ? { readOnly: true, recursiveReadOnly: "Disabled" } : {}),
  }));
}

/** kubelet: ShouldContainerBeRestarted (the agent will start this container again). */
function willStartAgain(
  pod: IPod,
  spec: IContainer,
  newest: ContainerStatus | undefined,
  podIsTerminal: boolean,
): boolean {
  if (podIsTerminal || pod.metadata?.deletionTimestamp) return false;
  if (!newest) return true;
  if (newest.state === "running") return false;
  if (newest.state === "unknown" || newest.state === "created") return true;
  if (isRestartableInitContainer(spec)) return true;
  const policy = pod.spec?.restartPolicy ?? "Always";
  if (policy === "Never") return false;
  if (policy === "OnFailure" && newest.exitCode === 0) return false;
  return true;
}

/** kubelet: prober UpdatePodStatus (ready and started). */
function probeResults(
  spec: IContainer,
  status: IContainerStatus,
  isInit: boolean,
  inputs: ContainerStatusInputs,
): void {
  const running = status.state?.running !== undefined;
  status.started = running && (spec.startupProbe === undefined || inputs.startup[spec.name] === true);
  if (isInit && !isRestartableInitContainer(spec)) {
    status.ready = status.state?.terminated?.exitCode === 0;
  } else {
    status.ready = running && (spec.readinessProbe === undefined || inputs.readiness[spec.name] === true);
  }
}

/**
 * The statuses of one list of spec containers (init or regular), in spec order.
 * @param defaultWaiting the reason a container the runtime does not have yet waits with
 */
export function containerStatuses(
  pod: IPod,
  specs: readonly IContainer[],
  runtimeContainers: readonly ContainerStatus[],
  oldStatuses: readonly IContainerStatus[] | undefined,
  isInit: boolean,
  inputs: ContainerStatusInputs,
): IContainerStatus[] {
  const defaultReason =
    (pod.spec?.initContainers ?? []).length > 0 ? WAITING_POD_INITIALIZING : WAITING_CONTAINER_CREATING;
  const old = new Map((oldStatuses ?? []).map((s) => [s.name, s]));
  const result: IContainerStatus[] = [];
  for (const spec of specs) {
    const previous = old.get(spec.name);
    const mine = runtimeContainers.filter((c) => runtimeName(c) === spec.name).sort(newestFirst);
    const [newest, before] = mine;
    let status: IContainerStatus;
    if (newest) {
      status = convertOne(newest, spec, previous, inputs);
      if (before) {
        status.lastState = convertOne(before, spec, undefined, inputs).state ?? {};
      } else if (previous) {
        // The previous attempt was collected: its termination is remembered in the old status.
        if (previous.containerID === status.containerID) status.lastState = previous.lastState ?? {};
        else if (previous.state?.terminated) status.lastState = { terminated: previous.state.terminated };
        else if (previous.lastState?.terminated) status.lastState = previous.lastState;
      }
    } else if (previous?.state?.terminated) {
      // Terminated and since collected: the old status is the truth.
      status = structuredClone(previous);
    } else {
      status = {
        name: spec.name,
        image: spec.image ?? "",
        imageID: "",
        state: { waiting: { reason: defaultReason } },
        lastState: previous?.lastState ?? {},
        ready: false,
        restartCount: previous?.restartCount ?? 0,
      };
      if (previous?.state?.running && !status.lastState?.terminated) {
        // It was running and the runtime no longer has it: it ended, we do not know how.
        const deleted = pod.metadata?.deletionTimestamp !== undefined;
        status.lastState = {
          terminated: {
            exitCode: STATUS_UNKNOWN_EXIT_CODE,
            reason: TERMINATED_STATUS_UNKNOWN,
            message: MESSAGE_VANISHED_WHEN_DELETED,
          },
        };
        if (!deleted) status.restartCount += 1;
      }
    }
    const waiting = inputs.waiting[spec.name];
    // An init container that succeeded is done; otherwise only a container that will start again waits.
    const initDone = isInit && newest?.state === "exited" && newest.exitCode === 0;
    if (waiting && !initDone && willStartAgain(pod, spec, newest, inputs.podIsTerminal)) {
      if (status.state?.terminated) status.lastState = { terminated: status.state.terminated };
      status.state = {
        waiting: { reason: waiting.reason, ...(waiting.message ? { message: waiting.message } : {}) },
      };
    }
    probeResults(spec, status, isInit, inputs);
    result.push(status);
  }
  return result;
}

/**
 * A pod the agent has finished with reports every container terminated; one that never ended on
 * its own counts as failed (kubelet: status manager TerminatePod).
 */
export function terminateAll(statuses: readonly IContainerStatus[]): IContainerStatus[] {
  return statuses.map((status) => {
    if (status.state?.terminated) return status;
    return {
      ...status,
      ready: false,
      started: false,
      state: {
        terminated: {
          exitCode: STATUS_UNKNOWN_EXIT_CODE,
          reason: TERMINATED_STATUS_UNKNOWN,
          message: MESSAGE_VANISHED_WHILE_RUNNING,
        },
      },
    };
  });
}
