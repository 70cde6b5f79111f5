/**
 * Capacity and allocatable (kubelet: nodestatus MachineInfo setter and the container manager's
 * GetNodeAllocatableReservation): allocatable = capacity - systemReserved - kubeReserved - hard
 * eviction thresholds (memory.available for memory, nodefs.available for ephemeral-storage),
 * never below zero.
 */
import { BerthError, ErrorCode, errorMessage } from "../../common/errors.js";
import { Quantity } from "../../common/quantity.js";
import { thresholdAmount, type EvictionThresholds } from "./eviction-thresholds.js";
import type { MachineInfo } from "./machine.js";

/** Resource name -> canonical quantity string, as in Node.status.capacity. */
export type ResourceList = Readonly<Record<string, string>>;

/** Reservations as resolved amounts: cpu in millicores, the rest in units. */
export interface Reservation {
  readonly cpuMilli: bigint;
  readonly memory: bigint;
  readonly ephemeralStorage: bigint;
  readonly pids: bigint;
}

const RESERVABLE = ["cpu", "memory", "ephemeral-storage", "pid"] as const;

/** Parses a systemReserved/kubeReserved map ({ cpu: "100m", memory: "256Mi" }). */
export function parseReservation(map: Readonly<Record<string, string>>, what: string): Reservation {
  const amounts = { cpuMilli: 0n, memory: 0n, ephemeralStorage: 0n, pids: 0n };
  for (const [name, text] of Object.entries(map)) {
    if (!(RESERVABLE as readonly string[]).includes(name)) {
      throw new BerthError(
        ErrorCode.Config,
        `${what}: unknown resource ${JSON.stringify(name)} (known: ${RESERVABLE.join(", ")})`,
      );
    }
    let q: Quantity;
    try {
      q = Quantity.parse(text);
    } catch (err) {
      throw new BerthError(ErrorCode.Config, `${what}: ${name}: ${errorMessage(err)}`, { cause: err });
    }
    if (q.sign() < 0) throw new BerthError(ErrorCode.Config, `${what}: ${name} must not be negative`);
    if (name === "cpu") amounts.cpuMilli = q.milliValue();
    else if (name === "memory") amounts.memory = q.value();
    else if (name === "ephemeral-storage") amounts.ephemeralStorage = q.value();
    else amounts.pids = q.value();
  }
  return amounts;
}

export interface NodeResources {
  readonly capacity: ResourceList;
  readonly allocatable: ResourceList;
}

const atLeastZero = (n: bigint): bigint => (n < 0n ? 0n : n);

export function nodeResources(
  machine: Pick<MachineInfo, "cpuCores" | "memoryBytes" | "ephemeralStorageBytes">,
  maxPods: number,
  reserved: readonly Reservation[],
  eviction: EvictionThresholds,
): NodeResources {
  const cpuMilli = BigInt(machine.cpuCores) * 1000n;
  const memory = BigInt(machine.memoryBytes);
  const storage = BigInt(machine.ephemeralStorageBytes);
  const sum = (pick: (r: Reservation) => bigint) => reserved.reduce((acc, r) => acc + pick(r), 0n);
  const capacity: ResourceList = {
    cpu: Quantity.fromMilli(cpuMilli).toString(),
    "ephemeral-storage": Quantity.fromValue(storage, "BinarySI").toString(),
    memory: Quantity.fromValue(memory, "BinarySI").toString(),
    pods: Quantity.fromValue(maxPods).toString(),
  };
  const allocatable: ResourceList = {
    cpu: Quantity.fromMilli(atLeastZero(cpuMilli - sum((r) => r.cpuMilli))).toString(),
    "ephemeral-storage": Quantity.fromValue(
      atLeastZero(
        storage - sum((r) => r.ephemeralStorage) - thresholdAmount(eviction.get("nodefs.available"), storage),
      ),
      "BinarySI",
    ).toString(),
    memory: Quantity.fromValue(
      atLeastZero(memory - sum((r) => r.memory) - thresholdAmount(eviction.get("memory.available"), memory)),
      "BinarySI",
    ).toString(),
    pods: Quantity.fromValue(maxPods).toString(),
  };
  return { capacity, allocatable };
}
