/**
 * Node conditions (kubelet: nodestatus MemoryPressureCondition, DiskPressureCondition,
 * PIDPressureCondition, ReadyCondition), in the kubelet's order with Ready last. Each computation
 * stamps lastHeartbeatTime; lastTransitionTime moves only when the status flips. The events the
 * kubelet records on those flips are returned for the caller to record.
 */
import type { INodeCondition } from "kubernetes-models/v1";
import type { EventType } from "../events/recorder.js";
import { EVENT_NODE_NOT_READY, EVENT_NODE_READY } from "./constants.js";
import { thresholdAmount, type EvictionThresholds } from "./eviction-thresholds.js";
import type { NodeMeasurements } from "./machine.js";
import { aggregateMessage } from "./runtime-health.js";

export type NodeCondition = INodeCondition;

interface PressureKind {
  readonly type: "MemoryPressure" | "DiskPressure" | "PIDPressure";
  /** [reason, message, event] when there is no pressure, then when there is. */
  readonly ok: readonly [string, string, string];
  readonly pressure: readonly [string, string, string];
}

/** kubelet: the reasons, messages and event reasons of the pressure conditions. */
export const PRESSURE_CONDITIONS: readonly PressureKind[] = [
  {
    type: "MemoryPressure",
    ok: ["KubeletHasSufficientMemory", "kubelet has sufficient memory available", "NodeHasSufficientMemory"],
    pressure: [
      "KubeletHasInsufficientMemory",
      "kubelet has insufficient memory available",
      "NodeHasInsufficientMemory",
    ],
  },
  {
    type: "DiskPressure",
    ok: ["KubeletHasNoDiskPressure", "kubelet has no disk pressure", "NodeHasNoDiskPressure"],
    pressure: ["KubeletHasDiskPressure", "kubelet has disk pressure", "NodeHasDiskPressure"],
  },
  {
    type: "PIDPressure",
    ok: ["KubeletHasSufficientPID", "kubelet has sufficient PID available", "NodeHasSufficientPID"],
    pressure: [
      "KubeletHasInsufficientPID",
      "kubelet has insufficient PID available",
      "NodeHasInsufficientPID",
    ],
  },
];

/** kubelet: ReadyCondition reasons and the ready message. */
export const KUBELET_READY = "KubeletReady";
export const KUBELET_NOT_READY = "KubeletNotReady";
export const KUBELET_READY_MESSAGE = "kubelet is posting ready status";

export type PressureState = Readonly<Record<PressureKind["type"], boolean>>;

const below = (available: number, threshold: bigint): boolean => BigInt(Math.floor(available)) < threshold;

/**
 * Pressure from one measurement against the hard thresholds: memory.available against memory
 * capacity; nodefs.* and imagefs.* both against the root dir's filesystem; pid.available against
 * pid_max. A signal without a threshold never signals pressure.
 */
export function pressureOf(
  m: NodeMeasurements,
  memoryCapacityBytes: number,
  thresholds: EvictionThresholds,
): PressureState {
  const fsCapacity = BigInt(Math.floor(m.fsCapacityBytes));
  const inodes = BigInt(Math.floor(m.fsInodes));
  const has = (signal: Parameters<EvictionThresholds["get"]>[0]) => thresholds.get(signal) !== undefined;
  const amount = (signal: Parameters<EvictionThresholds["get"]>[0], capacity: bigint) =>
    thresholdAmount(thresholds.get(signal), capacity);
  const disk =
    (has("nodefs.available") && below(m.fsAvailableBytes, amount("nodefs.available", fsCapacity))) ||
    (has("imagefs.available") && below(m.fsAvailableBytes, amount("imagefs.available", fsCapacity))) ||
    (has("nodefs.inodesFree") && inodes > 0n && below(m.fsInodesFree, amount("nodefs.inodesFree", inodes))) ||
    (has("imagefs.inodesFree") && inodes > 0n && below(m.fsInodesFree, amount("imagefs.inodesFree", inodes)));
  return {
    MemoryPressure:
      has("memory.available") &&
      below(m.memoryAvailableBytes, amount("memory.available", BigInt(Math.floor(memoryCapacityBytes)))),
    DiskPressure: disk,
    PIDPressure:
      has("pid.available") && below(m.pidMax - m.pidsInUse, amount("pid.available", BigInt(m.pidMax))),
  };
}

export interface ConditionEvent {
  readonly type: EventType;
  readonly reason: string;
}

export interface ConditionUpdate {
  readonly conditions: NodeCondition[];
  readonly events: ConditionEvent[];
}

function carry(
  previous: NodeCondition | undefined,
  next: Omit<NodeCondition, "lastHeartbeatTime" | "lastTransitionTime">,
  now: string,
): NodeCondition {
  const flipped = previous?.status !== next.status;
  return {
    ...next,
    lastHeartbeatTime: now,
    lastTransitionTime: flipped ? now : (previous?.lastTransitionTime ?? now),
  };
}

/**
 * The agent's four conditions from the previous ones (the Node's, or the last computed),
 * the pressure state and the runtime errors; conditions of other owners are kept, in place,
 * before the agent's own.
 */
export function updateConditions(
  previous: readonly NodeCondition[] | undefined,
  pressure: PressureState,
  runtimeErrors: readonly string[],
  now: string,
): ConditionUpdate {
  const old = new Map((previous ?? []).map((c) => [c.type, c]));
  const events: ConditionEvent[] = [];
  const conditions: NodeCondition[] = [];
  for (const kind of PRESSURE_CONDITIONS) {
    const under = pressure[kind.type];
    const [reason, message, event] = under ? kind.pressure : kind.ok;
    const status = under ? "True" : "False";
    const before = old.get(kind.type);
    if (before?.status !== status) events.push({ type: "Normal", reason: event });
    conditions.push(carry(before, { type: kind.type, status, reason, message }, now));
  }
  const ready = runtimeErrors.length === 0;
  const beforeReady = old.get("Ready");
  const readyStatus = ready ? "True" : "False";
  // kubelet: NodeReady/NodeNotReady only when an existing Ready condition flips.
  if (beforeReady !== undefined && beforeReady.status !== readyStatus) {
    events.push({ type: "Normal", reason: ready ? EVENT_NODE_READY : EVENT_NODE_NOT_READY });
  }
  conditions.push(
    carry(
      beforeReady,
      {
        type: "Ready",
        status: readyStatus,
        reason: ready ? KUBELET_READY : KUBELET_NOT_READY,
        message: ready ? KUBELET_READY_MESSAGE : aggregateMessage(runtimeErrors),
      },
      now,
    ),
  );
  const own = new Set(conditions.map((c) => c.type));
  const foreign = (previous ?? []).filter((c) => !own.has(c.type));
  return { conditions: [...foreign, ...conditions], events };
}
