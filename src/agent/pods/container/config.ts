/**
 * Pod spec -> runtime configs (kubelet: kuberuntime generatePodSandboxConfig and
 * generateContainerConfig). Pure: the caller passes in everything read from the node, the API
 * server or the runtime, so every rule here is unit-tested without a daemon.
 */
import type { IContainer, IPod } from "kubernetes-models/v1";
import { BerthError, ErrorCode } from "../../../common/index.js";
import {
  ANNOTATION_CONTAINER_HASH,
  ANNOTATION_CONTAINER_RESTART_COUNT,
  ANNOTATION_TERMINATION_GRACE_PERIOD,
  ANNOTATION_PRE_STOP_HANDLER,
  ANNOTATION_CONTAINER_PORTS,
  ANNOTATION_TERMINATION_MESSAGE_PATH,
  containerLabels,
  type ContainerConfig,
  type KeyValue,
} from "../../../runtime/index.js";
import { containerLinuxResources } from "../../resources/index.js";
import { containerEnvironment, expandCommand, type EnvObjects } from "./env.js";
import { containerHash } from "./hash.js";
import { containerMounts, type MountContext } from "./mounts.js";
import { containerSecurity } from "./security.js";
import type { SeccompOptions } from "../../security/index.js";

export interface ContainerConfigOptions extends EnvObjects, MountContext {
  /** The container's restart count: metadata attempt, restartCount annotation and log file name. */
  readonly attempt: number;
  /** The sandbox's IPs (empty with host networking until known: then the host's). */
  readonly podIPs: readonly string[];
  readonly hostIPs: readonly string[];
  readonly nodeName: string;
  /** Node memory capacity, for oom_score_adj and the default memory limit of the downward API. */
  readonly memoryCapacityBytes: number;
  /** Node allocatable (as in node.status.allocatable), for resourceFieldRef of unset limits. */
  readonly nodeAllocatable?: Readonly<Record<string, string | number>>;
  /** The image reference the pull resolved (digest or id); the spec image when absent. */
  readonly imageRef?: string;
  /** The seccomp root and seccompDefault; the kubelet's defaults when absent. */
  readonly seccomp?: SeccompOptions;
}

/** `<container>/<attempt>.log`, relative to the sandbox log directory (kubelet: BuildContainerLogsDirectory + restartCount.log). */
export function containerLogPath(containerName: string, attempt: number): string {
  return `${containerName}/${attempt}.log`;
}

export function buildContainerConfig(
  pod: IPod,
  container: IContainer,
  opts: ContainerConfigOptions,
): ContainerConfig {
  const meta = pod.metadata ?? {};
  if (!meta.name || !meta.namespace || !meta.uid) {
    throw new BerthError(
      ErrorCode.Invalid,
      "pod metadata must have name, namespace and uid to build a container",
    );
  }
  if (!Number.isInteger(opts.attempt) || opts.attempt < 0) {
    throw new BerthError(
      ErrorCode.Invalid,
      `container attempt must be a non-negative integer, got ${opts.attempt}`,
    );
  }
  if (!container.image) {
    throw new BerthError(ErrorCode.Invalid, `container "${container.name}" has no image`);
  }
  const env = containerEnvironment(pod, container, {
    ...opts,
    ...(pod.spec?.serviceAccountName ? { serviceAccountName: pod.spec.serviceAccountName } : {}),
  });
  const security = containerSecurity(pod, container, opts.seccomp);
  const envs: KeyValue[] = [...env].map(([key, value]) => ({ key, value }));
  const annotations: Record<string, string> = {
    [ANNOTATION_CONTAINER_HASH]: containerHash(container),
    [ANNOTATION_CONTAINER_RESTART_COUNT]: String(opts.attempt),
    [ANNOTATION_TERMINATION_MESSAGE_PATH]: container.terminationMessagePath ?? "",
  };
  const grace = pod.spec?.terminationGracePeriodSeconds;
  if (grace !== undefined) annotations[ANNOTATION_TERMINATION_GRACE_PERIOD] = String(grace);
  // What an agent that finds the container without its pod (deleted while the agent was down)
  // needs to run the preStop hook: the handler, and the ports its named port may refer to.
  const preStop = container.lifecycle?.preStop;
  if (preStop !== undefined) annotations[ANNOTATION_PRE_STOP_HANDLER] = JSON.stringify(preStop);
  if ((container.ports ?? []).length > 0)
    annotations[ANNOTATION_CONTAINER_PORTS] = JSON.stringify(container.ports);
  return {
    metadata: { name: container.name, attempt: opts.attempt },
    image: { image: opts.imageRef ?? container.image },
    command: expandCommand(container.command, env),
    args: expandCommand(container.args, env),
    ...(container.workingDir ? { workingDir: container.workingDir } : {}),
    envs,
    mounts: containerMounts(container, env, security.privileged === true, opts),
    labels: containerLabels({ name: meta.name, namespace: meta.namespace, uid: meta.uid }, container.name),
    annotations,
    logPath: containerLogPath(container.name, opts.attempt),
    ...(container.stdin === true ? { stdin: true } : {}),
    ...(container.tty === true ? { tty: true } : {}),
    resources: containerLinuxResources(pod, container, opts.memoryCapacityBytes),
    security,
  };
}
