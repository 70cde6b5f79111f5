/**
 * Node-side admission of a pod, as the kubelet's predicate admit handler decides it
 * (pkg/kubelet/lifecycle/predicate.go with the scheduler's AdmissionCheck): the OS checks first,
 * then resources (pod count, cpu, memory), node affinity/selector, node name, host ports and
 * NoExecute taints. Like the kubelet, only the first failure is reported.
 */
import type { IPod, ITaint } from "kubernetes-models/v1";
import { BerthError, ErrorCode } from "../../common/index.js";
import { conflictingHostPort } from "./host-ports.js";
import { matchesNodeSelectorAndAffinity } from "./node-affinity.js";
import { podRequests } from "./requests.js";
import { untoleratedNoExecuteTaint } from "./taints.js";

/** kubelet: lifecycle.OutOfCPU */
export const REASON_OUT_OF_CPU = "OutOfcpu";
/** kubelet: lifecycle.OutOfMemory */
export const REASON_OUT_OF_MEMORY = "OutOfmemory";
/** kubelet: lifecycle.OutOfEphemeralStorage */
export const REASON_OUT_OF_EPHEMERAL_STORAGE = "OutOfephemeral-storage";
/** kubelet: lifecycle.OutOfPods */
export const REASON_OUT_OF_PODS = "OutOfpods";
/** kubelet: lifecycle.PodOSSelectorNodeLabelDoesNotMatch */
export const REASON_OS_SELECTOR_MISMATCH = "PodOSSelectorNodeLabelDoesNotMatch";
/** kubelet: lifecycle.PodOSNotSupported */
export const REASON_OS_NOT_SUPPORTED = "PodOSNotSupported";
/** scheduler plugin names (nodeaffinity.Name, nodename.Name, nodeports.Name, tainttoleration.Name) */
export const REASON_NODE_AFFINITY = "NodeAffinity";
export const REASON_NODE_NAME = "NodeName";
export const REASON_NODE_PORTS = "NodePorts";
export const REASON_TAINT_TOLERATION = "TaintToleration";

/** nodeaffinity.ErrReasonPod */
export const NODE_AFFINITY_FAILURE = "node(s) didn't match Pod's node affinity/selector";
/** nodename.ErrReason */
export const NODE_NAME_FAILURE = "node(s) didn't match the requested node name";
/** nodeports.ErrReason */
export const NODE_PORTS_FAILURE = "node(s) didn't have free ports for the requested pod ports";
/** tainttoleration.ErrReasonNotMatch */
export const TAINT_TOLERATION_FAILURE = "node(s) had taints that the pod didn't tolerate";

/** The node's OS as Go's runtime.GOOS names it; berth runs on Linux only. */
export const NODE_OS = "linux";
/** v1.LabelOSStable */
export const LABEL_OS = "kubernetes.io/os";

export interface AdmissionNode {
  readonly allocatable: {
    readonly cpuMilli: number;
    readonly memoryBytes: number;
    readonly pods: number;
    /** Checked only when given (the node reports ephemeral-storage allocatable). */
    readonly ephemeralStorageBytes?: number;
  };
  readonly nodeName: string;
  readonly nodeLabels: Readonly<Record<string, string>>;
  /** The Node's spec.taints; only NoExecute ones matter here. */
  readonly nodeTaints?: readonly ITaint[];
}

export type AdmissionResult =
  { readonly admit: true } | { readonly admit: false; readonly reason: string; readonly message: string };

function reject(reason: string, message: string): AdmissionResult {
  return { admit: false, reason, message };
}

function insufficient(resource: string, requested: number, used: number, capacity: number): string {
  return `Node didn't have enough resource: ${resource}, requested: ${requested}, used: ${used}, capacity: ${capacity}`;
}

function predicateFailed(name: string, description: string): AdmissionResult {
  return reject(name, `Predicate ${name} failed: ${description}`);
}

function checkNode(node: AdmissionNode): void {
  const { cpuMilli, memoryBytes, pods, ephemeralStorageBytes } = node.allocatable;
  for (const [name, value] of [
    ["cpuMilli", cpuMilli],
    ["memoryBytes", memoryBytes],
    ["pods", pods],
    ["ephemeralStorageBytes", ephemeralStorageBytes ?? 0],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new BerthError(
        ErrorCode.Invalid,
        `node allocatable ${name} must be a non-negative integer, got ${value}`,
      );
    }
  }
  if (node.nodeName === "") throw new BerthError(ErrorCode.Invalid, "node name must not be empty");
}

function isActive(pod: IPod): boolean {
  const phase = pod.status?.phase;
  return phase !== "Succeeded" && phase !== "Failed";
}

/**
 * Decides whether `pod` may run on the node beside `activePods` (the pods already admitted; the
 * pod itself and pods in a terminal phase are left out of the count). Throws BerthError Invalid
 * for a malformed node description or quantity in a pod.
 */
export function admitPod(pod: IPod, node: AdmissionNode, activePods: readonly IPod[]): AdmissionResult {
  checkNode(node);
  const uid = pod.metadata?.uid;
  const others = activePods.filter((p) => isActive(p) && (uid === undefined || p.metadata?.uid !== uid));

  const podOs = pod.metadata?.labels?.[LABEL_OS];
  // Upstream takes the node's OS label as runtime.GOOS whatever the Node says, so only the pod's
  // label matters.
  if (podOs !== undefined && podOs !== NODE_OS) {
    return reject(
      REASON_OS_SELECTOR_MISMATCH,
      "Failed to admit pod as the `kubernetes.io/os` label doesn't match node label",
    );
  }
  const osName = pod.spec?.os?.name;
  if (osName !== undefined && osName !== NODE_OS) {
    return reject(REASON_OS_NOT_SUPPORTED, "Failed to admit pod as the OS field doesn't match node OS");
  }

  const { allocatable } = node;
  if (others.length + 1 > allocatable.pods) {
    return reject(REASON_OUT_OF_PODS, insufficient("pods", 1, others.length, allocatable.pods));
  }
  const want = podRequests(pod);
  const used = { cpuMilli: 0, memoryBytes: 0, ephemeralStorageBytes: 0 };
  for (const other of others) {
    const r = podRequests(other);
    used.cpuMilli += r.cpuMilli;
    used.memoryBytes += r.memoryBytes;
    used.ephemeralStorageBytes += r.ephemeralStorageBytes;
  }
  if (want.cpuMilli > 0 && want.cpuMilli > allocatable.cpuMilli - used.cpuMilli) {
    return reject(REASON_OUT_OF_CPU, insufficient("cpu", want.cpuMilli, used.cpuMilli, allocatable.cpuMilli));
  }
  if (want.memoryBytes > 0 && want.memoryBytes > allocatable.memoryBytes - used.memoryBytes) {
    return reject(
      REASON_OUT_OF_MEMORY,
      insufficient("memory", want.memoryBytes, used.memoryBytes, allocatable.memoryBytes),
    );
  }
  const storage = allocatable.ephemeralStorageBytes;
  if (
    storage !== undefined &&
    want.ephemeralStorageBytes > 0 &&
    want.ephemeralStorageBytes > storage - used.ephemeralStorageBytes
  ) {
    return reject(
      REASON_OUT_OF_EPHEMERAL_STORAGE,
      insufficient("ephemeral-storage", want.ephemeralStorageBytes, used.ephemeralStorageBytes, storage),
    );
  }
  if (!matchesNodeSelectorAndAffinity(pod, node)) {
    return predicateFailed(REASON_NODE_AFFINITY, NODE_AFFINITY_FAILURE);
  }
  const nodeName = pod.spec?.nodeName;
  if (nodeName !== undefined && nodeName !== "" && nodeName !== node.nodeName) {
    return predicateFailed(REASON_NODE_NAME, NODE_NAME_FAILURE);
  }
  if (conflictingHostPort(pod, others) !== undefined) {
    return predicateFailed(REASON_NODE_PORTS, NODE_PORTS_FAILURE);
  }
  if (untoleratedNoExecuteTaint(node.nodeTaints ?? [], pod.spec?.tolerations ?? []) !== undefined) {
    return predicateFailed(REASON_TAINT_TOLERATION, TAINT_TOLERATION_FAILURE);
  }
  return { admit: true };
}
