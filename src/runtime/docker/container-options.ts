/**
 * A ContainerConfig to Docker create options with CRI's semantics: `command` replaces the image's
 * ENTRYPOINT (and with it the image's CMD), `args` replace CMD; the container joins its sandbox's
 * network and IPC namespaces, and its PID namespace when the pod shares one.
 */
import { join } from "node:path";
import type Docker from "dockerode";
import { BerthError, ErrorCode } from "../../common/index.js";
import { clampOomScoreAdj, type OomScorePolicy } from "../oom-score.js";
import type { ContainerConfig, LinuxContainerSecurity, Mount, PodSandboxConfig } from "../types.js";
import { encodeLabels, TYPE_CONTAINER } from "./docker-labels.js";
import { containerName } from "./names.js";

/** Log rotation of Docker's json-file driver (kubelet: containerLogMaxSize "10Mi", containerLogMaxFiles 5). */
export const DOCKER_LOG_MAX_SIZE = "10m";
export const DOCKER_LOG_MAX_FILES = "5";

export interface ContainerOptionsInput {
  readonly sandboxId: string;
  readonly config: ContainerConfig;
  readonly sandboxConfig: PodSandboxConfig;
  readonly oomPolicy: OomScorePolicy;
  readonly createdNanos: bigint;
  /** The image's configured user, when needsImageUser(config). */
  readonly imageUser?: string;
  /** json-file rotation: the agent's containerLogMaxSize (bytes) and containerLogMaxFiles. */
  readonly logRotation?: LogRotation;
  /** The text of a Localhost seccomp profile (the adapter reads the file). */
  readonly seccompJson?: string;
  /** The sandbox's Docker runtime (HostConfig.Runtime): app containers run under the same one. */
  readonly runtime?: string;
}

export interface LogRotation {
  readonly maxSizeBytes: number;
  readonly maxFiles: number;
}

/** A bind in Docker's "host:container[:ro][,propagation]" form. */
export function bindOf(mount: Mount): string {
  const modes: string[] = [];
  if (mount.readonly) modes.push("ro");
  if (mount.propagation === "host-to-container") modes.push("rslave");
  if (mount.propagation === "bidirectional") modes.push("rshared");
  const base = `${mount.hostPath}:${mount.containerPath}`;
  return modes.length > 0 ? `${base}:${modes.join(",")}` : base;
}

/**
 * Docker's User: "uid" or "uid:gid"; undefined keeps the image's user. A group without a user
 * applies to the image's user (`imageUser`, "" meaning root), as containerd does.
 */
export function userOf(security: LinuxContainerSecurity | undefined, imageUser = ""): string | undefined {
  if (security?.runAsUser !== undefined) {
    return security.runAsGroup === undefined
      ? `${security.runAsUser}`
      : `${security.runAsUser}:${security.runAsGroup}`;
  }
  if (security?.runAsGroup === undefined) return undefined;
  const user = imageUser.split(":")[0] || "0";
  return `${user}:${security.runAsGroup}`;
}

/** Whether building the create options needs the image's configured user. */
export function needsImageUser(config: ContainerConfig): boolean {
  const security = config.security;
  return security?.runAsGroup !== undefined && security.runAsUser === undefined;
}

/** The uid of an image's configured user: 0 for "", undefined for a name such as "nobody". */
export function imageUid(user: string): number | undefined {
  const uid = user.split(":")[0] ?? "";
  if (uid === "") return 0;
  return /^\d+$/.test(uid) ? Number(uid) : undefined;
}

/**
 * Docker's security options for a container: no_new_privs, seccomp and AppArmor.
 * RuntimeDefault leaves Docker's own default profile in place; a privileged container gets none
 * (Docker ignores seccomp for it, as containerd does).
 */
export function securityOptions(
  security: LinuxContainerSecurity | undefined,
  seccompJson?: string,
): string[] {
  const options: string[] = [];
  if (security?.allowPrivilegeEscalation === false) options.push("no-new-privileges");
  const seccomp = security?.seccomp;
  if (security?.privileged !== true && seccomp !== undefined) {
    if (seccomp.type === "Unconfined") options.push("seccomp=unconfined");
    if (seccomp.type === "Localhost") {
      if (seccompJson === undefined) {
        throw new BerthError(ErrorCode.Invalid, `seccomp profile ${seccomp.localhostRef} was not read`);
      }
      options.push(`seccomp=${seccompJson}`);
    }
  }
  const apparmor = security?.apparmor;
  if (apparmor?.type === "Unconfined") options.push("apparmor=unconfined");
  if (apparmor?.type === "Localhost") options.push(`apparmor=${apparmor.localhostRef}`);
  return options;
}

function namespaceMode(mode: string, sandboxId: string): string | undefined {
  if (mode === "NODE") return "host";
  if (mode === "POD") return `container:${sandboxId}`;
  return undefined;
}

export function containerCreateOptions(input: ContainerOptionsInput): Docker.ContainerCreateOptions {
  const { config, sandboxConfig, sandboxId } = input;
  const ns = sandboxConfig.namespaceOptions;
  const security = config.security;
  const resources = config.resources;
  const user = userOf(security, input.imageUser);
  const pidMode = namespaceMode(ns.pid, sandboxId);
  const securityOpt = securityOptions(security, input.seccompJson);

  const hostConfig: Docker.HostConfig = {
    NetworkMode: ns.network === "NODE" ? "host" : `container:${sandboxId}`,
    IpcMode: ns.ipc === "NODE" ? "host" : `container:${sandboxId}`,
    ...(pidMode !== undefined ? { PidMode: pidMode } : {}),
    RestartPolicy: { Name: "no" },
    Binds: config.mounts.map(bindOf),
    LogConfig: {
      Type: "json-file",
      Config: input.logRotation
        ? {
            "max-size": String(input.logRotation.maxSizeBytes),
            "max-file": String(input.logRotation.maxFiles),
          }
        : { "max-size": DOCKER_LOG_MAX_SIZE, "max-file": DOCKER_LOG_MAX_FILES },
    },
    ...(sandboxConfig.cgroupParent ? { CgroupParent: sandboxConfig.cgroupParent } : {}),
    Privileged: security?.privileged === true,
    ReadonlyRootfs: security?.readOnlyRootFilesystem === true,
    ...(security?.capabilities?.add.length ? { CapAdd: [...security.capabilities.add] } : {}),
    ...(security?.capabilities?.drop.length ? { CapDrop: [...security.capabilities.drop] } : {}),
    ...(securityOpt.length > 0 ? { SecurityOpt: securityOpt } : {}),
    // procMount: the lists as given (empty ones are what the CLI's systempaths=unconfined sends).
    ...(security?.procPaths !== undefined
      ? {
          MaskedPaths: [...security.procPaths.maskedPaths],
          ReadonlyPaths: [...security.procPaths.readonlyPaths],
        }
      : {}),
    ...(input.runtime ? { Runtime: input.runtime } : {}),
    ...(security?.supplementalGroups?.length ? { GroupAdd: security.supplementalGroups.map(String) } : {}),
    ...(resources?.cpuShares !== undefined ? { CpuShares: resources.cpuShares } : {}),
    ...(resources?.cpuQuota !== undefined ? { CpuQuota: resources.cpuQuota } : {}),
    ...(resources?.cpuPeriod !== undefined ? { CpuPeriod: resources.cpuPeriod } : {}),
    ...(resources?.memoryLimitBytes !== undefined ? { Memory: resources.memoryLimitBytes } : {}),
    ...(resources?.cpusetCpus ? { CpusetCpus: resources.cpusetCpus } : {}),
    ...(resources?.oomScoreAdj !== undefined
      ? { OomScoreAdj: clampOomScoreAdj(resources.oomScoreAdj, input.oomPolicy) }
      : {}),
  };

  return {
    name: containerName(sandboxConfig.metadata, config.metadata.name, config.metadata.attempt),
    Image: config.image.image,
    // Left out when empty: an empty list would clear the image's ENTRYPOINT or CMD.
    ...(config.command.length > 0 ? { Entrypoint: [...config.command] } : {}),
    ...(config.args.length > 0 ? { Cmd: [...config.args] } : {}),
    Env: config.envs.map((kv) => `${kv.key}=${kv.value}`),
    ...(config.workingDir ? { WorkingDir: config.workingDir } : {}),
    ...(user !== undefined ? { User: user } : {}),
    Tty: config.tty === true,
    OpenStdin: config.stdin === true,
    StdinOnce: false,
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    Labels: encodeLabels(config.labels, config.annotations, {
      type: TYPE_CONTAINER,
      sandboxId,
      created: input.createdNanos.toString(),
      logPath: join(sandboxConfig.logDirectory, config.logPath),
    }),
    HostConfig: hostConfig,
  };
}
