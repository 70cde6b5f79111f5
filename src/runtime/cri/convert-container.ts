import type { OomScorePolicy } from "../oom-score.js";
import { clampOomScoreAdj } from "../oom-score.js";
import type {
  Container,
  ContainerConfig,
  ContainerFilter,
  ContainerState,
  ContainerStatus,
  LinuxContainerSecurity,
  LinuxResources,
  Mount,
  MountPropagation,
  PodSandboxConfig,
} from "../types.js";
import { namespaceOptionsToWire, securityProfileToWire } from "./convert-sandbox.js";
import type {
  WireContainer,
  WireContainerState,
  WireContainerStatus,
  WireMount,
  WirePropagation,
} from "./wire.js";
import { wireBigInt, wireMap } from "./wire-values.js";

const STATE_TO_WIRE: Record<ContainerState, WireContainerState> = {
  created: "CONTAINER_CREATED",
  running: "CONTAINER_RUNNING",
  exited: "CONTAINER_EXITED",
  unknown: "CONTAINER_UNKNOWN",
};

const STATE_FROM_WIRE: Record<WireContainerState, ContainerState> = {
  CONTAINER_CREATED: "created",
  CONTAINER_RUNNING: "running",
  CONTAINER_EXITED: "exited",
  CONTAINER_UNKNOWN: "unknown",
};

const PROPAGATION_TO_WIRE: Record<MountPropagation, WirePropagation> = {
  private: "PROPAGATION_PRIVATE",
  "host-to-container": "PROPAGATION_HOST_TO_CONTAINER",
  bidirectional: "PROPAGATION_BIDIRECTIONAL",
};

const PROPAGATION_FROM_WIRE: Record<WirePropagation, MountPropagation> = {
  PROPAGATION_PRIVATE: "private",
  PROPAGATION_HOST_TO_CONTAINER: "host-to-container",
  PROPAGATION_BIDIRECTIONAL: "bidirectional",
};

export function containerStateFromWire(state: WireContainerState): ContainerState {
  return STATE_FROM_WIRE[state] ?? "unknown";
}

export function mountToWire(m: Mount): Record<string, unknown> {
  return {
    container_path: m.containerPath,
    host_path: m.hostPath,
    readonly: m.readonly,
    selinux_relabel: false,
    propagation: PROPAGATION_TO_WIRE[m.propagation],
  };
}

export function mountFromWire(m: WireMount): Mount {
  return {
    containerPath: m.container_path,
    hostPath: m.host_path,
    readonly: m.readonly,
    propagation: PROPAGATION_FROM_WIRE[m.propagation] ?? "private",
  };
}

/** LinuxContainerResources; unset values stay 0 (CRI's "not specified"). */
export function resourcesToWire(r: LinuxResources | undefined, oom: OomScorePolicy): Record<string, unknown> {
  return {
    cpu_period: r?.cpuPeriod ?? 0,
    cpu_quota: r?.cpuQuota ?? 0,
    cpu_shares: r?.cpuShares ?? 0,
    memory_limit_in_bytes: r?.memoryLimitBytes ?? 0,
    oom_score_adj: r?.oomScoreAdj === undefined ? 0 : clampOomScoreAdj(r.oomScoreAdj, oom),
    cpuset_cpus: r?.cpusetCpus ?? "",
    cpuset_mems: "",
  };
}

/**
 * LinuxContainerSecurityContext. The container joins the pod's namespaces as the sandbox was
 * configured (the kubelet repeats them per container); allowPrivilegeEscalation=false is
 * no_new_privs.
 */
export function securityToWire(
  s: LinuxContainerSecurity | undefined,
  sandbox: PodSandboxConfig,
): Record<string, unknown> {
  return {
    capabilities: s?.capabilities
      ? { add_capabilities: [...s.capabilities.add], drop_capabilities: [...s.capabilities.drop] }
      : null,
    privileged: s?.privileged ?? false,
    namespace_options: namespaceOptionsToWire(sandbox.namespaceOptions),
    run_as_user: s?.runAsUser === undefined ? null : { value: s.runAsUser },
    run_as_group: s?.runAsGroup === undefined ? null : { value: s.runAsGroup },
    run_as_username: "",
    readonly_rootfs: s?.readOnlyRootFilesystem ?? false,
    supplemental_groups: [...(s?.supplementalGroups ?? [])],
    no_new_privs: s?.allowPrivilegeEscalation === false,
    masked_paths: [...(s?.procPaths?.maskedPaths ?? [])],
    readonly_paths: [...(s?.procPaths?.readonlyPaths ?? [])],
    seccomp: securityProfileToWire(s?.seccomp),
    apparmor: securityProfileToWire(s?.apparmor),
  };
}

export function containerConfigToWire(
  config: ContainerConfig,
  sandbox: PodSandboxConfig,
  oom: OomScorePolicy,
): Record<string, unknown> {
  return {
    metadata: { name: config.metadata.name, attempt: config.metadata.attempt },
    image: { image: config.image.image },
    command: [...config.command],
    args: [...config.args],
    working_dir: config.workingDir ?? "",
    // KeyValue.value is a proto3 string in runtime.v1 (checked against cri-api), so plain strings.
    envs: config.envs.map((e) => ({ key: e.key, value: e.value })),
    mounts: config.mounts.map(mountToWire),
    labels: { ...config.labels },
    annotations: { ...config.annotations },
    log_path: config.logPath,
    stdin: config.stdin ?? false,
    stdin_once: false,
    tty: config.tty ?? false,
    linux: {
      resources: resourcesToWire(config.resources, oom),
      security_context: securityToWire(config.security, sandbox),
    },
  };
}

export function containerFilterToWire(filter: ContainerFilter | undefined): Record<string, unknown> | null {
  if (!filter) return null;
  return {
    id: filter.id ?? "",
    state: filter.state ? { state: STATE_TO_WIRE[filter.state] } : null,
    pod_sandbox_id: filter.podSandboxId ?? "",
    label_selector: { ...(filter.labelSelector ?? {}) },
  };
}

export function containerFromWire(c: WireContainer): Container {
  return {
    id: c.id,
    podSandboxId: c.pod_sandbox_id,
    metadata: { name: c.metadata?.name ?? "", attempt: c.metadata?.attempt ?? 0 },
    image: { image: c.image?.image ?? "" },
    imageRef: c.image_ref,
    state: containerStateFromWire(c.state),
    createdAt: wireBigInt(c.created_at),
    labels: wireMap(c.labels),
    annotations: wireMap(c.annotations),
  };
}

/** ContainerStatus carries no sandbox id; the caller supplies it (from ListContainers). */
export function containerStatusFromWire(s: WireContainerStatus, podSandboxId: string): ContainerStatus {
  return {
    id: s.id,
    podSandboxId,
    metadata: { name: s.metadata?.name ?? "", attempt: s.metadata?.attempt ?? 0 },
    image: { image: s.image?.image ?? "" },
    imageRef: s.image_ref,
    state: containerStateFromWire(s.state),
    createdAt: wireBigInt(s.created_at),
    startedAt: wireBigInt(s.started_at),
    finishedAt: wireBigInt(s.finished_at),
    exitCode: s.exit_code,
    reason: s.reason,
    message: s.message,
    labels: wireMap(s.labels),
    annotations: wireMap(s.annotations),
    mounts: (s.mounts ?? []).map(mountFromWire),
    logPath: s.log_path,
  };
}
