/**
 * Node admission as the pod machinery asks for it: resources' admitPod against what the node controller
 * last registered (allocatable, labels, taints). Until the Node is registered nothing is admitted
 * (the agent starts the pod machinery only after registration, so this is a guard, not a path).
 */
import type { INode } from "kubernetes-models/v1";
import { parseQuantity } from "../common/index.js";
import { admitPod, type AdmissionNode, type AdmissionResult } from "./resources/index.js";
import type { IPod } from "kubernetes-models/v1";
import type { SecurityAdmission } from "./security/index.js";

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

/** The admit handlers beside the node's resources, each optional. */
export interface AdmitHandlers {
  readonly pressure?: PressureAdmitter;
  readonly security?: Pick<SecurityAdmission, "sysctls" | "rest">;
}

/**
 * The admit function the pod manager calls, in the kubelet's order of admit handlers: the
 * eviction manager's pressure check, the sysctl allowlist, the node's resources, labels and taints,
 * then AppArmor and user namespaces. The first refusal wins.
 */
export function nodeAdmission(
  source: AdmissionSource,
  handlers: AdmitHandlers = {},
): (pod: IPod, admitted: readonly IPod[]) => Promise<AdmissionResult> {
  const { pressure, security } = handlers;
  return async (pod, admitted) => {
    const underPressure = pressure?.admit(pod);
    if (underPressure !== undefined && !underPressure.admit) return underPressure;
    const sysctls = security?.sysctls(pod) ?? { admit: true };
    if (!sysctls.admit) return sysctls;
    const predicates = admitPod(pod, admissionNode(source), admitted);
    if (!predicates.admit || security === undefined) return predicates;
    return security.rest(pod);
  };
}
