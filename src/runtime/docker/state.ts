/**
 * Docker's view of a container (list summary or inspect) to the runtime interface's sandboxes and
 * containers. Pure functions over the fields they read, so that they are tested without a daemon.
 */
import type {
  Container,
  ContainerState,
  ContainerStatus,
  Mount,
  MountPropagation,
  PodSandbox,
  PodSandboxStatus,
  SandboxState,
} from "../types.js";
import { decodeLabels, decodeNamespaces } from "./docker-labels.js";
import { parseName } from "./names.js";
import { parseDockerTime } from "./time.js";

/** Docker's State.Status to CRI's container state. */
export function containerState(status: string): ContainerState {
  switch (status) {
    case "created":
      return "created";
    case "running":
    case "paused":
    case "restarting":
      return "running";
    case "exited":
    case "dead":
    case "removing":
      return "exited";
    default:
      return "unknown";
  }
}

export function sandboxState(status: string): SandboxState {
  return status === "running" ? "ready" : "notready";
}

/** A container whose start failed (dockershim/cri-dockerd: "ContainerCannotRun"). */
export const REASON_CONTAINER_CANNOT_RUN = "ContainerCannotRun";

/** The kubelet's terminated reasons, as containerd reports them. */
export function exitReason(state: ContainerState, exitCode: number, oomKilled: boolean): string {
  if (state !== "exited") return "";
  if (oomKilled) return "OOMKilled";
  return exitCode === 0 ? "Completed" : "Error";
}

function createdNanos(label: string | undefined, fallback: bigint): bigint {
  return label !== undefined && /^\d+$/.test(label) ? BigInt(label) : fallback;
}

/** What list and inspect both give, in the shape each gives it. */
export interface DockerSummary {
  readonly Id: string;
  readonly Names: readonly string[];
  readonly Image: string;
  readonly ImageID: string;
  readonly Created: number;
  readonly State: string;
  readonly Labels: Readonly<Record<string, string>> | null;
}

export function containerFromSummary(summary: DockerSummary): Container {
  const { labels, annotations, internal } = decodeLabels(summary.Labels);
  const parsed = parseName(summary.Names[0] ?? "");
  return {
    id: summary.Id,
    podSandboxId: internal.sandboxId ?? "",
    metadata: { name: parsed?.container ?? "", attempt: parsed?.attempt ?? 0 },
    image: { image: summary.Image },
    imageRef: summary.ImageID,
    state: containerState(summary.State),
    createdAt: createdNanos(internal.created, BigInt(summary.Created) * 1_000_000_000n),
    labels,
    annotations,
  };
}

export function sandboxFromSummary(summary: DockerSummary): PodSandbox {
  const { labels, annotations, internal } = decodeLabels(summary.Labels);
  const parsed = parseName(summary.Names[0] ?? "");
  return {
    id: summary.Id,
    metadata: {
      name: parsed?.pod ?? "",
      namespace: parsed?.namespace ?? "",
      uid: parsed?.uid ?? "",
      attempt: parsed?.attempt ?? 0,
    },
    state: sandboxState(summary.State),
    createdAt: createdNanos(internal.created, BigInt(summary.Created) * 1_000_000_000n),
    labels,
    annotations,
  };
}

/** The fields of `docker inspect` this module reads. */
export interface DockerInspect {
  readonly Id: string;
  readonly Name: string;
  readonly Created: string;
  readonly Image: string;
  readonly State: {
    readonly Status: string;
    readonly OOMKilled: boolean;
    readonly ExitCode: number;
    readonly Error: string;
    readonly StartedAt: string;
    readonly FinishedAt: string;
  };
  readonly Config: { readonly Image: string; readonly Labels: Readonly<Record<string, string>> | null };
  /** The OCI runtime the container runs under ("runc" unless a RuntimeClass named another). */
  readonly HostConfig?: { readonly Runtime?: string };
  readonly Mounts?: readonly {
    readonly Source: string;
    readonly Destination: string;
    readonly RW: boolean;
    readonly Propagation: string;
  }[];
  readonly NetworkSettings?: {
    readonly IPAddress?: string;
    readonly GlobalIPv6Address?: string;
    readonly Networks?: Readonly<
      Record<string, { readonly IPAddress?: string; readonly GlobalIPv6Address?: string }>
    > | null;
  };
}

function summaryOf(inspect: DockerInspect): DockerSummary {
  return {
    Id: inspect.Id,
    Names: [inspect.Name],
    Image: inspect.Config.Image,
    ImageID: inspect.Image,
    Created: Math.floor(Number(parseDockerTime(inspect.Created) / 1_000_000_000n)),
    State: inspect.State.Status,
    Labels: inspect.Config.Labels,
  };
}

export function propagationFromDocker(propagation: string): MountPropagation {
  switch (propagation) {
    case "rshared":
    case "shared":
      return "bidirectional";
    case "rslave":
    case "slave":
      return "host-to-container";
    default:
      return "private";
  }
}

export function containerStatusFromInspect(inspect: DockerInspect): ContainerStatus {
  const base = containerFromSummary(summaryOf(inspect));
  const { internal } = decodeLabels(inspect.Config.Labels);
  const mounts: Mount[] = (inspect.Mounts ?? []).map((m) => ({
    containerPath: m.Destination,
    hostPath: m.Source,
    readonly: !m.RW,
    propagation: propagationFromDocker(m.Propagation),
  }));
  const createdAt = createdNanos(internal.created, parseDockerTime(inspect.Created));
  // cri-dockerd: a created container with an exit code and no finish time failed to start; it
  // is reported exited at its creation time with ContainerCannotRun and Docker's error.
  if (base.state === "created" && inspect.State.ExitCode !== 0) {
    return {
      ...base,
      state: "exited",
      createdAt,
      startedAt: createdAt,
      finishedAt: createdAt,
      exitCode: inspect.State.ExitCode,
      reason: REASON_CONTAINER_CANNOT_RUN,
      message: inspect.State.Error,
      mounts,
      logPath: internal.logPath ?? "",
    };
  }
  const exitCode = base.state === "exited" ? inspect.State.ExitCode : 0;
  const startedAt = base.state === "created" ? 0n : parseDockerTime(inspect.State.StartedAt);
  let finishedAt = base.state === "exited" ? parseDockerTime(inspect.State.FinishedAt) : 0n;
  // Docker stamps StartedAt once runc reports the start and FinishedAt from the exit event, so a
  // process that exits at once can seem to finish before it started; CRI times never do.
  if (finishedAt !== 0n && finishedAt < startedAt) finishedAt = startedAt;
  return {
    ...base,
    createdAt,
    startedAt,
    finishedAt,
    exitCode,
    reason: exitReason(base.state, exitCode, inspect.State.OOMKilled),
    message: inspect.State.Error,
    mounts,
    logPath: internal.logPath ?? "",
  };
}

/** The pause container's addresses on Docker's networks; "" with host networking. */
export function sandboxIps(inspect: DockerInspect): { ip: string; additionalIps: string[] } {
  const settings = inspect.NetworkSettings;
  const v4: string[] = [];
  const v6: string[] = [];
  for (const network of Object.values(settings?.Networks ?? {})) {
    if (network.IPAddress) v4.push(network.IPAddress);
    if (network.GlobalIPv6Address) v6.push(network.GlobalIPv6Address);
  }
  if (settings?.IPAddress && !v4.includes(settings.IPAddress)) v4.unshift(settings.IPAddress);
  if (settings?.GlobalIPv6Address && !v6.includes(settings.GlobalIPv6Address))
    v6.push(settings.GlobalIPv6Address);
  const all = [...v4, ...v6];
  return { ip: all[0] ?? "", additionalIps: all.slice(1) };
}

export function sandboxStatusFromInspect(inspect: DockerInspect): PodSandboxStatus {
  const base = sandboxFromSummary(summaryOf(inspect));
  const { internal } = decodeLabels(inspect.Config.Labels);
  const namespaceOptions = decodeNamespaces(internal.namespaces);
  const { ip, additionalIps } =
    namespaceOptions.network === "NODE" ? { ip: "", additionalIps: [] } : sandboxIps(inspect);
  return {
    ...base,
    createdAt: createdNanos(internal.created, parseDockerTime(inspect.Created)),
    ip: base.state === "ready" ? ip : "",
    additionalIps: base.state === "ready" ? additionalIps : [],
    namespaceOptions,
  };
}
