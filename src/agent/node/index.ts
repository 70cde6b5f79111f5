/**
 * The node agent's node room: registration, capacity and allocatable, conditions, status updates
 * and the heartbeat lease.
 */
export {
  NodeController,
  PRESSURE_TAINT_KEYS,
  pressureTaints,
  type HealthCheck,
  type NodeControllerConfig,
  type NodeControllerOptions,
} from "./node-controller.js";
export {
  nodeResources,
  parseReservation,
  type NodeResources,
  type Reservation,
  type ResourceList,
} from "./allocatable.js";
export {
  KUBELET_NOT_READY,
  KUBELET_READY,
  KUBELET_READY_MESSAGE,
  PRESSURE_CONDITIONS,
  type NodeCondition,
  type PressureState,
} from "./conditions.js";
export * from "./constants.js";
export {
  parseEvictionThresholds,
  thresholdAmount,
  type EvictionSignal,
  type EvictionThresholds,
  type ThresholdValue,
} from "./eviction-thresholds.js";
export { goArch, type CapacitySource, type MachineInfo, type NodeMeasurements } from "./machine.js";
export { SystemCapacitySource } from "./system-capacity.js";
export { RUNTIME_DOWN_MESSAGE } from "./runtime-health.js";
