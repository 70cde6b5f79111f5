/**
 * The pod conditions the agent owns (kubelet: pkg/kubelet/status/generate.go), in the kubelet's
 * order: PodReadyToStartContainers, Initialized, Ready, ContainersReady, then PodScheduled.
 * lastTransitionTime is kept from the previous status while a condition's status does not change.
 */
import type { IContainerStatus, IPod, IPodCondition } from "kubernetes-models/v1";
import type { PodSandboxStatus } from "../../../runtime/index.js";
import { isRestartableInitContainer } from "../../resources/index.js";
import { anyRegularContainerStarted, type PodPhase } from "./phase.js";
import { apiTime } from "./time.js";

export const CONDITION_READY_TO_START_CONTAINERS = "PodReadyToStartContainers"; // core/v1: PodReadyToStartContainers
export const CONDITION_INITIALIZED = "Initialized"; // core/v1: PodInitialized
export const CONDITION_READY = "Ready"; // core/v1: PodReady
export const CONDITION_CONTAINERS_READY = "ContainersReady"; // core/v1: ContainersReady
export const CONDITION_SCHEDULED = "PodScheduled"; // core/v1: PodScheduled

export const CONDITION_DISRUPTION_TARGET = "DisruptionTarget"; // core/v1: DisruptionTarget
export const REASON_TERMINATION_BY_KUBELET = "TerminationByKubelet"; // core/v1: PodReasonTerminationByKubelet

/**
 * Whether the agent writes this condition: its own, and a DisruptionTarget it set itself when it
 * ended the pod (kubelet: PodConditionByKubelet and PodConditionSharedByKubelet).
 */
export function writtenByAgent(c: { readonly type: string; readonly reason?: string }): boolean {
  return (
    AGENT_CONDITIONS.has(c.type) ||
    (c.type === CONDITION_DISRUPTION_TARGET && c.reason === REASON_TERMINATION_BY_KUBELET)
  );
}

/** Conditions the agent writes; any other condition in the old status is kept as it is (kubelet: PodConditionByKubelet). */
export const AGENT_CONDITIONS: ReadonlySet<string> = new Set([
  CONDITION_READY_TO_START_CONTAINERS,
  CONDITION_INITIALIZED,
  CONDITION_READY,
  CONDITION_CONTAINERS_READY,
  CONDITION_SCHEDULED,
]);

export const REASON_CONTAINERS_NOT_READY = "ContainersNotReady"; // kubelet: status.ContainersNotReady
export const REASON_CONTAINERS_NOT_INITIALIZED = "ContainersNotInitialized"; // kubelet: status.ContainersNotInitialized
export const REASON_READINESS_GATES_NOT_READY = "ReadinessGatesNotReady"; // kubelet: status.ReadinessGatesNotReady
export const REASON_POD_COMPLETED = "PodCompleted"; // kubelet: status.PodCompleted
export const REASON_POD_FAILED = "PodFailed"; // kubelet: status.PodFailed

type Condition = Omit<IPodCondition, "lastTransitionTime">;

/** Go's %s of a []string: "[a b]". */
function goList(names: readonly string[]): string {
  return `[${names.join(" ")}]`;
}

function statusOf(statuses: readonly IContainerStatus[], name: string): IContainerStatus | undefined {
  return statuses.find((s) => s.name === name);
}

/** The newest sandbox is ready, alone, and has networking (kubelet: PodSandboxChanged is false). */
export function readyToStartContainers(pod: IPod, sandboxes: readonly PodSandboxStatus[]): Condition {
  const ready = sandboxes.filter((s) => s.state === "ready");
  const latest = [...sandboxes].sort((a, b) =>
    a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0,
  )[0];
  const ok =
    latest !== undefined &&
    latest.state === "ready" &&
    ready.length === 1 &&
    (pod.spec?.hostNetwork === true || latest.ip !== "");
  return { type: CONDITION_READY_TO_START_CONTAINERS, status: ok ? "True" : "False" };
}

/** kubelet: GeneratePodInitializedCondition. */
export function initializedCondition(
  pod: IPod,
  initStatuses: readonly IContainerStatus[],
  statuses: readonly IContainerStatus[],
  phase: PodPhase,
): Condition {
  const unknown: string[] = [];
  const incomplete: string[] = [];
  for (const container of pod.spec?.initContainers ?? []) {
    const status = statusOf(initStatuses, container.name);
    if (!status) unknown.push(container.name);
    else if (isRestartableInitContainer(container) ? status.started !== true : !status.ready) {
      incomplete.push(container.name);
    }
  }
  if (phase === "Succeeded" && unknown.length === 0) {
    return { type: CONDITION_INITIALIZED, status: "True", reason: REASON_POD_COMPLETED };
  }
  if (anyRegularContainerStarted(pod, statuses)) return { type: CONDITION_INITIALIZED, status: "True" };
  return (
    notAllContainers(
      CONDITION_INITIALIZED,
      REASON_CONTAINERS_NOT_INITIALIZED,
      unknown,
      "incomplete",
      incomplete,
    ) ?? {
      type: CONDITION_INITIALIZED,
      status: "True",
    }
  );
}

/** kubelet: GenerateContainersReadyCondition. */
export function containersReadyCondition(
  pod: IPod,
  initStatuses: readonly IContainerStatus[],
  statuses: readonly IContainerStatus[],
  phase: PodPhase,
): Condition {
  const unknown: string[] = [];
  const unready: string[] = [];
  const sidecars = (pod.spec?.initContainers ?? []).filter(isRestartableInitContainer);
  for (const container of [...sidecars, ...(pod.spec?.containers ?? [])]) {
    const status = statusOf(sidecars.includes(container) ? initStatuses : statuses, container.name);
    if (!status) unknown.push(container.name);
    else if (!status.ready) unready.push(container.name);
  }
  if (phase === "Succeeded" && unknown.length === 0) {
    return { type: CONDITION_CONTAINERS_READY, status: "False", reason: REASON_POD_COMPLETED };
  }
  if (phase === "Failed")
    return { type: CONDITION_CONTAINERS_READY, status: "False", reason: REASON_POD_FAILED };
  return (
    notAllContainers(
      CONDITION_CONTAINERS_READY,
      REASON_CONTAINERS_NOT_READY,
      unknown,
      "unready",
      unready,
    ) ?? {
      type: CONDITION_CONTAINERS_READY,
      status: "True",
    }
  );
}

/**
 * The False condition the kubelet writes when some containers are not there yet or not done:
 * "containers with unknown status: [a], containers with unready status: [b]"; undefined when
 * every container is accounted for.
 */
function notAllContainers(
  type: string,
  reason: string,
  unknown: readonly string[],
  state: "incomplete" | "unready",
  names: readonly string[],
): Condition | undefined {
  const messages: string[] = [];
  if (unknown.length > 0) messages.push(`containers with unknown status: ${goList(unknown)}`);
  if (names.length > 0) messages.push(`containers with ${state} status: ${goList(names)}`);
  return messages.length > 0 ? { type, status: "False", reason, message: messages.join(", ") } : undefined;
}

/** kubelet: GeneratePodReadyCondition (ContainersReady, then the readiness gates). */
export function readyCondition(
  pod: IPod,
  containersReady: Condition,
  otherConditions: readonly IPodCondition[],
): Condition {
  if (containersReady.status !== "True") {
    return {
      type: CONDITION_READY,
      status: containersReady.status,
      ...(containersReady.reason === undefined ? {} : { reason: containersReady.reason }),
      ...(containersReady.message === undefined ? {} : { message: containersReady.message }),
    };
  }
  const messages: string[] = [];
  for (const gate of pod.spec?.readinessGates ?? []) {
    const condition = otherConditions.find((c) => c.type === gate.conditionType);
    if (!condition) {
      messages.push(`corresponding condition of pod readiness gate "${gate.conditionType}" does not exist.`);
    } else if (condition.status !== "True") {
      messages.push(
        `the status of pod readiness gate "${gate.conditionType}" is not "True", but ${condition.status}`,
      );
    }
  }
  if (messages.length > 0) {
    return {
      type: CONDITION_READY,
      status: "False",
      reason: REASON_READINESS_GATES_NOT_READY,
      message: messages.join(", "),
    };
  }
  return { type: CONDITION_READY, status: "True" };
}

/** The old transition time while the status stays, `now` when it flips or is new. */
function stamped(condition: Condition, old: readonly IPodCondition[], now: Date): IPodCondition {
  const previous = old.find((c) => c.type === condition.type);
  const lastTransitionTime =
    previous && previous.status === condition.status && previous.lastTransitionTime
      ? previous.lastTransitionTime
      : apiTime(now);
  return { ...condition, lastTransitionTime };
}

export interface ConditionInputs {
  readonly pod: IPod;
  readonly sandboxes: readonly PodSandboxStatus[];
  readonly initStatuses: readonly IContainerStatus[];
  readonly statuses: readonly IContainerStatus[];
  readonly phase: PodPhase;
  readonly now: Date;
}

/** Foreign conditions from the old status first, then the agent's, in the kubelet's order. */
export function podConditions(inputs: ConditionInputs): IPodCondition[] {
  const { pod, phase, now } = inputs;
  const old = pod.status?.conditions ?? [];
  const foreign = old.filter((c) => !AGENT_CONDITIONS.has(c.type));
  const containersReady = containersReadyCondition(pod, inputs.initStatuses, inputs.statuses, phase);
  const owned: Condition[] = [
    readyToStartContainers(pod, inputs.sandboxes),
    initializedCondition(pod, inputs.initStatuses, inputs.statuses, phase),
    readyCondition(pod, containersReady, foreign),
    containersReady,
    { type: CONDITION_SCHEDULED, status: "True" },
  ];
  return [...foreign, ...owned.map((c) => stamped(c, old, now))];
}
