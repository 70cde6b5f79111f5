/**
 * The Node as the agent describes it: labels on registration and the status fields it owns
 * (kubelet: kubelet_node_status.go initialNode and the nodestatus setters).
 */
import type { INode, INodeStatus } from "kubernetes-models/v1";
import { KUBERNETES_GIT_VERSION } from "../../common/version.js";
import type { NodeResources } from "./allocatable.js";
import type { NodeCondition } from "./conditions.js";
import {
  ANNOTATION_CONTROLLER_MANAGED_ATTACH_DETACH,
  LABEL_ARCH,
  LABEL_BETA_ARCH,
  LABEL_BETA_OS,
  LABEL_HOSTNAME,
  LABEL_OS,
} from "./constants.js";
import type { MachineInfo } from "./machine.js";

/** The address used when neither nodeIP nor a default-route interface gives one. */
export const LOOPBACK_ADDRESS = "127.0.0.1";

/** The labels the agent owns on its Node: the well-known ones, then the configured extras. */
export function nodeLabels(
  nodeName: string,
  architecture: string,
  extra: Readonly<Record<string, string>>,
): Record<string, string> {
  return {
    [LABEL_BETA_ARCH]: architecture,
    [LABEL_BETA_OS]: "linux",
    [LABEL_ARCH]: architecture,
    [LABEL_HOSTNAME]: nodeName,
    [LABEL_OS]: "linux",
    ...extra,
  };
}

export function initialNode(nodeName: string, labels: Record<string, string>): INode {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: nodeName,
      labels,
      annotations: { [ANNOTATION_CONTROLLER_MANAGED_ATTACH_DETACH]: "true" },
    },
    spec: {},
  };
}

export interface StatusInputs {
  readonly nodeName: string;
  readonly machine: MachineInfo;
  readonly resources: NodeResources;
  readonly conditions: NodeCondition[];
  readonly nodeIP: string | undefined;
  readonly port: number;
  /** "containerd://1.6.20"; empty when the runtime has not answered yet. */
  readonly containerRuntimeVersion: string;
}

export function nodeStatus(inputs: StatusInputs): INodeStatus {
  const { machine } = inputs;
  return {
    capacity: { ...inputs.resources.capacity },
    allocatable: { ...inputs.resources.allocatable },
    conditions: inputs.conditions,
    addresses: [
      { type: "InternalIP", address: inputs.nodeIP ?? machine.defaultAddress ?? LOOPBACK_ADDRESS },
      { type: "Hostname", address: inputs.nodeName },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: inputs.port } },
    nodeInfo: {
      machineID: machine.machineID,
      systemUUID: machine.systemUUID,
      bootID: machine.bootID,
      kernelVersion: machine.kernelVersion,
      osImage: machine.osImage,
      containerRuntimeVersion: inputs.containerRuntimeVersion,
      kubeletVersion: KUBERNETES_GIT_VERSION,
      kubeProxyVersion: "",
      operatingSystem: "linux",
      architecture: machine.architecture,
    },
  };
}

/** The status with heartbeat times blanked: two statuses that differ only there are "unchanged". */
export function statusFingerprint(status: INodeStatus): string {
  const conditions = (status.conditions ?? []).map((c) => ({ ...c, lastHeartbeatTime: undefined }));
  return JSON.stringify({ ...status, conditions });
}
