/**
 * The kubelet's bookkeeping labels and annotations on sandboxes and containers. An agent
 * restarted from nothing rebuilds its whole view from these (kubelet: kuberuntime/labels.go).
 */
import type { ContainerState, ListedState, SandboxState } from "./types.js";

export const LABEL_POD_NAME = "io.kubernetes.pod.name"; // kubelet: types.KubernetesPodNameLabel
export const LABEL_POD_NAMESPACE = "io.kubernetes.pod.namespace"; // kubelet: types.KubernetesPodNamespaceLabel
export const LABEL_POD_UID = "io.kubernetes.pod.uid"; // kubelet: types.KubernetesPodUIDLabel
export const LABEL_CONTAINER_NAME = "io.kubernetes.container.name"; // kubelet: types.KubernetesContainerNameLabel

export const ANNOTATION_CONTAINER_HASH = "io.kubernetes.container.hash"; // kubelet: containerHashLabel
export const ANNOTATION_CONTAINER_RESTART_COUNT = "io.kubernetes.container.restartCount"; // kubelet: containerRestartCountLabel
export const ANNOTATION_TERMINATION_MESSAGE_PATH = "io.kubernetes.container.terminationMessagePath"; // kubelet: containerTerminationMessagePathLabel
export const ANNOTATION_TERMINATION_GRACE_PERIOD = "io.kubernetes.pod.terminationGracePeriod"; // kubelet: podTerminationGracePeriodLabel
export const ANNOTATION_PRE_STOP_HANDLER = "io.kubernetes.container.preStopHandler"; // kubelet: containerPreStopHandlerLabel
export const ANNOTATION_CONTAINER_PORTS = "io.kubernetes.container.ports"; // kubelet: containerPortsLabel

/** The container name the kubelet gives a pod's sandbox (kubelet: leaky.PodInfraContainerName). */
export const POD_INFRA_CONTAINER_NAME = "POD";

export interface PodRef {
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
}

export function sandboxLabels(pod: PodRef): Record<string, string> {
  return { [LABEL_POD_NAME]: pod.name, [LABEL_POD_NAMESPACE]: pod.namespace, [LABEL_POD_UID]: pod.uid };
}

export function containerLabels(pod: PodRef, containerName: string): Record<string, string> {
  return { ...sandboxLabels(pod), [LABEL_CONTAINER_NAME]: containerName };
}

/** The pod a sandbox or container belongs to, read back from its labels; undefined if not ours. */
export function podRefFromLabels(labels: Readonly<Record<string, string>>): PodRef | undefined {
  const name = labels[LABEL_POD_NAME];
  const namespace = labels[LABEL_POD_NAMESPACE];
  const uid = labels[LABEL_POD_UID];
  return name && namespace && uid ? { name, namespace, uid } : undefined;
}

/** A listed sandbox or container reduced to what a relist reads (ContainerRuntime.listContainerStates). */
export function listedState<S extends SandboxState | ContainerState>(object: {
  readonly id: string;
  readonly state: S;
  readonly labels: Readonly<Record<string, string>>;
}): ListedState<S> {
  return { id: object.id, state: object.state, podUid: object.labels[LABEL_POD_UID] ?? "" };
}
