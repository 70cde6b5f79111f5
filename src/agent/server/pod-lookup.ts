/**
 * Finding a pod's container in the runtime from the pod as the agent last saw it: the container
 * id comes from its status (containerStatuses, init and ephemeral alike), or from lastState for
 * --previous. Errors carry the kubelet's messages.
 */
import type { IContainerStatus, IPod } from "kubernetes-models/v1";
import { BerthError, ErrorCode } from "../../common/index.js";
import type { ContainerRuntime } from "../../runtime/index.js";

/** The pods bound to this node, as the agent knows them. */
export interface PodSource {
  pods(): readonly IPod[];
}

export function findPod(source: PodSource, namespace: string, name: string, uid?: string): IPod {
  const pod = source
    .pods()
    .find(
      (p) =>
        p.metadata?.namespace === namespace &&
        p.metadata?.name === name &&
        (uid === undefined || uid === "" || p.metadata?.uid === uid),
    );
  if (pod === undefined)
    throw new BerthError(ErrorCode.NotFound, `pod "${name}" in namespace "${namespace}" not found`);
  return pod;
}

/** The pod's running sandbox in the runtime, for streams into its network namespace. */
export async function sandboxIdOf(
  runtime: Pick<ContainerRuntime, "listPodSandboxes">,
  pod: IPod,
): Promise<string> {
  const sandboxes = await runtime.listPodSandboxes({
    state: "ready",
    labelSelector: { "io.kubernetes.pod.uid": pod.metadata?.uid ?? "" },
  });
  const found = sandboxes[0];
  if (found === undefined) {
    throw new BerthError(ErrorCode.Conflict, `pod "${pod.metadata?.name ?? ""}" has no running sandbox`);
  }
  return found.id;
}

function statuses(pod: IPod): IContainerStatus[] {
  const s = pod.status;
  return [
    ...(s?.containerStatuses ?? []),
    ...(s?.initContainerStatuses ?? []),
    ...(s?.ephemeralContainerStatuses ?? []),
  ];
}

function stripScheme(id: string): string {
  const at = id.indexOf("://");
  return at < 0 ? id : id.slice(at + 3);
}

/** The runtime id of a container of the pod (its previous instance with previous). */
export function containerIdOf(pod: IPod, container: string, previous = false): string {
  const podName = pod.metadata?.name ?? "";
  const spec = pod.spec;
  const known = [
    ...(spec?.containers ?? []),
    ...(spec?.initContainers ?? []),
    ...(spec?.ephemeralContainers ?? []),
  ].some((c) => c.name === container);
  if (!known)
    throw new BerthError(ErrorCode.BadRequest, `container ${container} is not valid for pod ${podName}`);
  const status = statuses(pod).find((s) => s.name === container);
  if (previous) {
    const id = status?.lastState?.terminated?.containerID;
    if (id === undefined || id === "") {
      throw new BerthError(
        ErrorCode.BadRequest,
        `previous terminated container "${container}" in pod "${podName}" not found`,
      );
    }
    return stripScheme(id);
  }
  const id = status?.containerID;
  if (id === undefined || id === "") {
    const reason = status?.state?.waiting?.reason ?? "ContainerCreating";
    throw new BerthError(
      ErrorCode.BadRequest,
      `container "${container}" in pod "${podName}" is waiting to start: ${reason}`,
    );
  }
  return stripScheme(id);
}
