/**
 * Runtime view -> pod status (kubelet: generateAPIPodStatus, with the status manager's rules for
 * transition times, start time and terminal pods). Pure: the caller passes the runtime view, the
 * waiting reasons of containers it could not start, probe results, a pod-level failure and the time.
 */
import { isIPv4, isIPv6 } from "node:net";
import type { IPod, IPodIP, IPodStatus } from "kubernetes-models/v1";
import type { ContainerStatus, PodSandboxStatus } from "../../../runtime/index.js";
import { qosClass } from "../../resources/index.js";
import { podConditions } from "./conditions.js";
import { containerStatuses, terminateAll, type WaitingReason } from "./containers.js";
import { isTerminalPhase, podPhase, type PodPhase } from "./phase.js";
import { apiTime } from "./time.js";

/** What the runtime holds for one pod: its sandboxes and containers (found by the pod uid label). */
export interface RuntimePodView {
  readonly sandboxes: readonly PodSandboxStatus[];
  readonly containers: readonly ContainerStatus[];
}

/** A pod-level failure that ends the pod (DeadlineExceeded, Evicted, an admission rejection). */
export interface PodFailure {
  readonly reason: string;
  readonly message: string;
}

export const REASON_DEADLINE_EXCEEDED = "DeadlineExceeded"; // kubelet: activeDeadlineHandler reason
export const MESSAGE_DEADLINE_EXCEEDED = "Pod was active on the node longer than the specified deadline";

export interface PodStatusExtras {
  /** "containerd" or "docker": the scheme of containerID. */
  readonly runtimeName: string;
  /** The node's addresses (hostIP, and podIP of host-network pods). */
  readonly hostIPs: readonly string[];
  /** Containers the agent could not start, with why (CrashLoopBackOff, ErrImagePull, ...). */
  readonly waiting?: Readonly<Record<string, WaitingReason>>;
  /** Readiness probe results by container name (a container with a readinessProbe and no result is not ready). */
  readonly readiness?: Readonly<Record<string, boolean>>;
  /** Startup probe results by container name. */
  readonly startup?: Readonly<Record<string, boolean>>;
  /** Forces phase Failed with this reason and message. */
  readonly failure?: PodFailure;
  /** The agent has stopped the pod for good (deleted, or its containers are done and will not restart). */
  readonly terminal?: boolean;
}

function newestReadySandbox(sandboxes: readonly PodSandboxStatus[]): PodSandboxStatus | undefined {
  const newest = [...sandboxes].sort((a, b) =>
    a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0,
  )[0];
  return newest?.state === "ready" ? newest : undefined;
}

/**
 * At most one address per family, the node's primary family first (kubelet: sortPodIPs); IPv4
 * first when the node's family is unknown.
 */
export function sortPodIPs(ips: readonly string[], hostIPs: readonly string[]): string[] {
  const primaryV6 = hostIPs[0] !== undefined && isIPv6(hostIPs[0]);
  const primary = ips.find((ip) => (primaryV6 ? isIPv6(ip) : isIPv4(ip)));
  const secondary = ips.find((ip) => (primaryV6 ? isIPv4(ip) : isIPv6(ip)));
  return [primary, secondary].filter((ip): ip is string => ip !== undefined);
}

function podIPs(pod: IPod, view: RuntimePodView, hostIPs: readonly string[]): string[] {
  const sandbox = newestReadySandbox(view.sandboxes);
  const ips = sandbox ? sortPodIPs([sandbox.ip, ...sandbox.additionalIps], hostIPs) : [];
  if (ips.length > 0) return ips;
  if (pod.spec?.hostNetwork === true) return [...hostIPs];
  // A pod whose sandbox is gone keeps the addresses it had.
  return (pod.status?.podIPs ?? []).map((p) => p.ip).filter((ip): ip is string => typeof ip === "string");
}

export function computePodStatus(
  pod: IPod,
  view: RuntimePodView,
  extras: PodStatusExtras,
  now: Date,
): IPodStatus {
  const old = pod.status ?? {};
  const terminal = extras.terminal === true;
  const inputs = {
    runtimeName: extras.runtimeName,
    waiting: extras.waiting ?? {},
    readiness: extras.readiness ?? {},
    startup: extras.startup ?? {},
    podIsTerminal: terminal,
  };
  const spec = pod.spec;
  let initStatuses = containerStatuses(
    pod,
    spec?.initContainers ?? [],
    view.containers,
    old.initContainerStatuses,
    true,
    inputs,
  );
  let statuses = containerStatuses(
    pod,
    spec?.containers ?? [],
    view.containers,
    old.containerStatuses,
    false,
    inputs,
  );

  let phase: PodPhase = podPhase(pod, initStatuses, statuses, terminal);
  // A terminal phase is never left.
  if (!isTerminalPhase(phase) && isTerminalPhase(old.phase)) phase = old.phase;
  let reason: string | undefined;
  let message: string | undefined;
  if (phase === old.phase) {
    reason = old.reason;
    message = old.message;
  }
  // A pod-level failure ends the pod, unless it already ended in success.
  if (extras.failure && old.phase !== "Succeeded") {
    phase = "Failed";
    reason = extras.failure.reason;
    message = extras.failure.message;
  }
  if (terminal) {
    initStatuses = terminateAll(initStatuses);
    statuses = terminateAll(statuses);
    if (!isTerminalPhase(phase)) phase = "Failed";
  }

  const ips = podIPs(pod, view, extras.hostIPs);
  const hostIPs = [...extras.hostIPs];
  const status: IPodStatus = {
    phase,
    conditions: podConditions({ pod, sandboxes: view.sandboxes, initStatuses, statuses, phase, now }),
    ...(reason ? { reason } : {}),
    ...(message ? { message } : {}),
    ...(hostIPs[0] === undefined ? {} : { hostIP: hostIPs[0], hostIPs: hostIPs.map((ip) => ({ ip })) }),
    ...(ips[0] === undefined ? {} : { podIP: ips[0], podIPs: ips.map((ip): IPodIP => ({ ip })) }),
    startTime: old.startTime ?? apiTime(now),
    ...(initStatuses.length > 0 ? { initContainerStatuses: initStatuses } : {}),
    containerStatuses: statuses,
    qosClass: qosClass(pod),
  };
  return status;
}
