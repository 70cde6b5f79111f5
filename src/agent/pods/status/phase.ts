/**
 * The pod phase from its container statuses (kubelet: kubelet_pods.go getPhase). Init containers
 * first: one failed under restartPolicy Never fails the pod; one not done keeps it Pending (unless a
 * regular container has already started). Then the regular containers: any waiting for a first
 * start -> Pending; any running with none unknown -> Running; all stopped -> Succeeded when all
 * exited 0, else Never -> Failed, and Always / OnFailure -> Running (they restart). A pod the agent
 * has stopped for good (terminal) ends Succeeded or Failed whatever its restart policy. Sidecars
 * (init containers with restartPolicy Always) count with the regular containers once started, and
 * hold initialization until their startup completes.
 */
import type { IContainerStatus, IPod } from "kubernetes-models/v1";
import { isRestartableInitContainer } from "../../resources/index.js";

export type PodPhase = "Pending" | "Running" | "Succeeded" | "Failed" | "Unknown";

export function isTerminalPhase(phase: string | undefined): phase is "Succeeded" | "Failed" {
  return phase === "Succeeded" || phase === "Failed";
}

function byName(statuses: readonly IContainerStatus[]): Map<string, IContainerStatus> {
  return new Map(statuses.map((s) => [s.name, s]));
}

/** A regular container that runs or has run (kubelet: HasAnyRegularContainerStarted). */
export function anyRegularContainerStarted(pod: IPod, statuses: readonly IContainerStatus[]): boolean {
  const regular = new Set((pod.spec?.containers ?? []).map((c) => c.name));
  return statuses.some(
    (s) => regular.has(s.name) && (s.state?.running !== undefined || s.state?.terminated !== undefined),
  );
}

/**
 * @param initStatuses statuses of spec.initContainers
 * @param statuses statuses of spec.containers
 * @param podIsTerminal the agent will run nothing more for this pod (deleted, or done)
 */
export function podPhase(
  pod: IPod,
  initStatuses: readonly IContainerStatus[],
  statuses: readonly IContainerStatus[],
  podIsTerminal: boolean,
): PodPhase {
  const spec = pod.spec;
  const restartPolicy = spec?.restartPolicy ?? "Always";
  const inits = byName(initStatuses);
  let pendingInitialization = 0;
  let failedInitialization = 0;
  for (const container of spec?.initContainers ?? []) {
    if (isRestartableInitContainer(container)) continue;
    const status = inits.get(container.name);
    const state = status?.state;
    if (!status || !state) {
      pendingInitialization++;
    } else if (state.running) {
      pendingInitialization++;
    } else if (state.terminated) {
      if (state.terminated.exitCode !== 0) failedInitialization++;
    } else if (state.waiting) {
      const last = status.lastState?.terminated;
      if (last) {
        if (last.exitCode !== 0) failedInitialization++;
      } else {
        pendingInitialization++;
      }
    } else {
      pendingInitialization++;
    }
  }

  let unknown = 0;
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const container of spec?.initContainers ?? []) {
    if (!isRestartableInitContainer(container)) continue;
    const status = inits.get(container.name);
    const state = status?.state;
    if (!status) {
      unknown++;
    } else if (state?.running) {
      if (status.started !== true) pendingInitialization++;
      running++;
    } else if (state?.terminated) {
      // A stopped sidecar does not count for the phase.
    } else if (state?.waiting) {
      if (!status.lastState?.terminated) {
        pendingInitialization++;
        waiting++;
      }
    } else {
      pendingInitialization++;
      unknown++;
    }
  }

  const regular = byName(statuses);
  for (const container of spec?.containers ?? []) {
    const status = regular.get(container.name);
    const state = status?.state;
    if (!status || !state) {
      unknown++;
    } else if (state.running) {
      running++;
    } else if (state.terminated) {
      stopped++;
      if (state.terminated.exitCode === 0) succeeded++;
    } else if (state.waiting) {
      if (status.lastState?.terminated) stopped++;
      else waiting++;
    } else {
      unknown++;
    }
  }

  if (failedInitialization > 0 && restartPolicy === "Never") return "Failed";
  if (pendingInitialization > 0 && !anyRegularContainerStarted(pod, statuses)) return "Pending";
  if (waiting > 0) return "Pending";
  if (running > 0 && unknown === 0) return "Running";
  if (running === 0 && stopped > 0 && unknown === 0) {
    if (podIsTerminal) return stopped === succeeded ? "Succeeded" : "Failed";
    if (restartPolicy === "Always") return "Running";
    if (stopped === succeeded) return "Succeeded";
    if (restartPolicy === "Never") return "Failed";
    return "Running";
  }
  return "Pending";
}
