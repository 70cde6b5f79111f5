/**
 * Node admission as the pod machinery asks for it: resources' admitPod against what the node controller
 * last registered (allocatable, labels, taints). Until the Node is registered nothing is admitted
 * (the agent starts the pod machinery only after registration, so this is a guard, not a path).
 */
import type { INode } from "kubernetes-models/v1";
import { parseQuantity } from "../common/index.js";
import { admitPod, type AdmissionNode, type AdmissionResult } from "./resources/index.js";
import type { IPod } from "kubernetes-models/v1";

/** What admission reads from the node controller. */
export interface AdmissionSource {
  readonly nodeName: string;
  allocatable(): Readonly<Record<string, string>>;
  node(): INode | undefined;
}

function amount(list: Readonly<Record<string, string>>, name: string, milli: boolean): number {
  const text = list[name];
  if (text === undefined) return 0;
  const q = parseQuantity(text);
  return Number(milli ? q.milliValue() : q.value());
}

/** The node as admission sees it, from the node controller's last registration. */
export function admissionNode(source: AdmissionSource): AdmissionNode {
  const allocatable = source.allocatable();
  const node = source.node();
  const storage = allocatable["ephemeral-storage"];
  return {
    nodeName: source.nodeName,
    allocatable: {
      cpuMilli: amount(allocatable, "cpu", true),
      memoryBytes: amount(allocatable, "memory", false),
      pods: amount(allocatable, "pods", false),
      // kubelet: checked only when the node reports the resource.
      ...(storage === undefined
        ? {}
        : { ephemeralStorageBytes: amount(allocatable, "ephemeral-storage", false) }),
    },
    nodeLabels: node?.metadata?.labels ?? {},
    ...(node?.spec?.taints !== undefined ? { nodeTaints: node.spec.taints } : {}),
  };
}

/** Admission under node pressure (the eviction manager's). */
export interface PressureAdmitter {
  admit(pod: IPod): AdmissionResult;
}

/**
 * The admit function the pod manager calls: the eviction manager's check first, as the kubelet
 * orders its admit handlers, then the node's resources, labels and taints.
 */
export function nodeAdmission(
  source: AdmissionSource,
  pressure?: PressureAdmitter,
): (pod: IPod, admitted: readonly IPod[]) => AdmissionResult {
  return (pod, admitted) => {
    const underPressure = pressure?.admit(pod);
    if (underPressure !== undefined && !underPressure.admit) return underPressure;
    return admitPod(pod, admissionNode(source), admitted);
  };
}
