/**
 * The runtime-neutral container runtime interface. It is modelled on CRI runtime.v1 (pod
 * sandboxes, containers, images, exec, logs, stats) so that the CRI adapter is a thin conversion
 * and the Docker adapter emulates the same semantics. Nothing outside src/runtime/ knows which
 * runtime it talks to.
 *
 * Times are nanoseconds since the epoch as bigint (CRI's int64 timestamps), so that no precision
 * is lost and ordering is exact.
 */

export type Labels = Readonly<Record<string, string>>;

export interface KeyValue {
  readonly key: string;
  readonly value: string;
}

// ---- sandboxes -------------------------------------------------------------------------------

export interface PodSandboxMetadata {
  readonly name: string;
  readonly uid: string;
  readonly namespace: string;
  /** Bumped when a sandbox is recreated for the same pod (names are reserved per attempt). */
  readonly attempt: number;
}

export type Protocol = "TCP" | "UDP" | "SCTP";

export interface PortMapping {
  readonly protocol: Protocol;
  readonly containerPort: number;
  readonly hostPort?: number;
  readonly hostIp?: string;
}

export interface DnsConfig {
  readonly servers: readonly string[];
  readonly searches: readonly string[];
  readonly options: readonly string[];
}

/** CRI NamespaceMode. */
export type NamespaceMode = "POD" | "CONTAINER" | "NODE" | "TARGET";

export interface NamespaceOptions {
  readonly network: NamespaceMode;
  readonly pid: NamespaceMode;
  readonly ipc: NamespaceMode;
}

export interface PodSandboxConfig {
  readonly metadata: PodSandboxMetadata;
  readonly hostname?: string;
  /** Directory for this pod's container logs (kubelet: /var/log/pods/<ns>_<name>_<uid>). */
  readonly logDirectory: string;
  readonly dnsConfig?: DnsConfig;
  readonly portMappings: readonly PortMapping[];
  readonly labels: Labels;
  readonly annotations: Labels;
  /** The pod-level cgroup, created by the agent before the sandbox (cgroupfs path or systemd slice). */
  readonly cgroupParent?: string;
  readonly namespaceOptions: NamespaceOptions;
  readonly sysctls: Readonly<Record<string, string>>;
  /** Sandbox security: run the pause process privileged (only when a container is). */
  readonly privileged?: boolean;
  /** The pod-level seccomp profile, for the sandbox's own process. */
  readonly seccomp?: SecurityProfile;
  /**
   * The runtime handler of the pod's RuntimeClass ("" or absent: the runtime's default). CRI's
   * RunPodSandboxRequest.runtime_handler; Docker's runtime of that name (HostConfig.Runtime).
   */
  readonly runtimeHandler?: string;
}

export type SandboxState = "ready" | "notready";

export interface PodSandbox {
  readonly id: string;
  readonly metadata: PodSandboxMetadata;
  readonly state: SandboxState;
  readonly createdAt: bigint;
  readonly labels: Labels;
  readonly annotations: Labels;
}

/**
 * A sandbox or container as the agent's relist sees it: its id, its state and the uid of its pod
 * (its LABEL_POD_UID label, "" without one), and nothing else of the runtime's list.
 */
export interface ListedState<S extends SandboxState | ContainerState> {
  readonly id: string;
  readonly state: S;
  readonly podUid: string;
}

export interface PodSandboxStatus extends PodSandbox {
  /** Primary pod IP, empty with host networking (the agent then uses the host IP). */
  readonly ip: string;
  readonly additionalIps: readonly string[];
  readonly namespaceOptions: NamespaceOptions;
}

export interface PodSandboxFilter {
  readonly id?: string;
  readonly state?: SandboxState;
  readonly labelSelector?: Labels;
}

// ---- containers ------------------------------------------------------------------------------

export interface ContainerMetadata {
  readonly name: string;
  /** Restart attempt of this container within its pod (the kubelet's restart count). */
  readonly attempt: number;
}

export type MountPropagation = "private" | "host-to-container" | "bidirectional";

export interface Mount {
  readonly containerPath: string;
  readonly hostPath: string;
  readonly readonly: boolean;
  readonly propagation: MountPropagation;
}

export interface Capabilities {
  readonly add: readonly string[];
  readonly drop: readonly string[];
}

/** CRI SecurityProfile: a seccomp or AppArmor profile. Localhost names a file (seccomp) or a loaded profile (AppArmor). */
export type SecurityProfile =
  | { readonly type: "RuntimeDefault" }
  | { readonly type: "Unconfined" }
  | { readonly type: "Localhost"; readonly localhostRef: string };

/** CRI's masked and read-only /proc paths (a runtime applies what it is given). */
export interface ProcPaths {
  readonly maskedPaths: readonly string[];
  readonly readonlyPaths: readonly string[];
}

export interface LinuxContainerSecurity {
  readonly runAsUser?: number;
  readonly runAsGroup?: number;
  readonly readOnlyRootFilesystem?: boolean;
  readonly privileged?: boolean;
  readonly capabilities?: Capabilities;
  /** false sets no_new_privs. */
  readonly allowPrivilegeEscalation?: boolean;
  readonly supplementalGroups?: readonly number[];
  /** Absent: the runtime decides (CRI sends nothing; Docker's default profile). */
  readonly seccomp?: SecurityProfile;
  /** Absent: the runtime's default. */
  readonly apparmor?: SecurityProfile;
  /** procMount: the paths to mask and make read-only; empty lists unmask /proc (Unmasked). */
  readonly procPaths?: ProcPaths;
}

/** Linux resources of one container, already converted to cgroup terms by the agent. */
export interface LinuxResources {
  readonly cpuPeriod?: number;
  readonly cpuQuota?: number;
  readonly cpuShares?: number;
  readonly memoryLimitBytes?: number;
  readonly oomScoreAdj?: number;
  readonly cpusetCpus?: string;
}

export interface ImageSpec {
  /** A full reference: registry/repo:tag or @digest. */
  readonly image: string;
}

export interface ContainerConfig {
  readonly metadata: ContainerMetadata;
  readonly image: ImageSpec;
  /** Replaces the image ENTRYPOINT when non-empty (pod spec `command`). */
  readonly command: readonly string[];
  /** Replaces the image CMD when non-empty (pod spec `args`). */
  readonly args: readonly string[];
  readonly workingDir?: string;
  readonly envs: readonly KeyValue[];
  readonly mounts: readonly Mount[];
  readonly labels: Labels;
  readonly annotations: Labels;
  /** Relative to the sandbox's logDirectory, e.g. "app/0.log". */
  readonly logPath: string;
  readonly stdin?: boolean;
  readonly tty?: boolean;
  readonly resources?: LinuxResources;
  readonly security?: LinuxContainerSecurity;
}

export type ContainerState = "created" | "running" | "exited" | "unknown";

export interface Container {
  readonly id: string;
  readonly podSandboxId: string;
  readonly metadata: ContainerMetadata;
  readonly image: ImageSpec;
  /** The resolved image id (digest) the container runs. */
  readonly imageRef: string;
  readonly state: ContainerState;
  readonly createdAt: bigint;
  readonly labels: Labels;
  readonly annotations: Labels;
}

export interface ContainerStatus extends Container {
  /** 0 when not started. */
  readonly startedAt: bigint;
  /** 0 when not finished. */
  readonly finishedAt: bigint;
  readonly exitCode: number;
  /** "OOMKilled", "Completed", "Error" or "" as the runtime reports it. */
  readonly reason: string;
  readonly message: string;
  readonly mounts: readonly Mount[];
  /** Absolute path of the container's CRI-format log file. */
  readonly logPath: string;
}

export interface ContainerFilter {
  readonly id?: string;
  readonly state?: ContainerState;
  readonly podSandboxId?: string;
  readonly labelSelector?: Labels;
}

// ---- images ----------------------------------------------------------------------------------

/** Registry credentials for a pull, from an imagePullSecret (.dockerconfigjson). */
export interface AuthConfig {
  readonly username?: string;
  readonly password?: string;
  /** base64("user:password"), as in a docker config. */
  readonly auth?: string;
  readonly serverAddress?: string;
  readonly identityToken?: string;
  readonly registryToken?: string;
}

export interface Image {
  readonly id: string;
  readonly repoTags: readonly string[];
  readonly repoDigests: readonly string[];
  readonly size: number;
  /** The image's configured user ("", "0", "1000", "nobody", "1000:1000"). */
  readonly user: string;
  readonly uid?: number;
  /** The runtime asks that the image never be garbage-collected (CRI Image.pinned). */
  readonly pinned?: boolean;
}

/**
 * The filesystem holding the runtime's images (CRI ImageFsInfo's first image_filesystems entry):
 * its mount point, and the bytes (and inodes, where known) the image store takes there.
 */
export interface ImageFsInfo {
  readonly mountpoint: string;
  readonly usedBytes: number;
  readonly inodesUsed?: number;
}

// ---- exec, logs, stats -----------------------------------------------------------------------

export interface ExecSyncResult {
  readonly stdout: Buffer;
  readonly stderr: Buffer;
  readonly exitCode: number;
}

export interface ExecStreamOptions {
  readonly cmd: readonly string[];
  readonly tty: boolean;
  readonly stdin?: NodeJS.ReadableStream;
  readonly stdout?: NodeJS.WritableStream;
  readonly stderr?: NodeJS.WritableStream;
  /** Terminal size changes while the session runs (tty only). */
  readonly resize?: AsyncIterable<{ width: number; height: number }>;
  readonly signal?: AbortSignal;
}

/** attach: the container's own stdio; tty must match how the container was created. */
export type AttachStreamOptions = Omit<ExecStreamOptions, "cmd">;

export interface ExecStreamResult {
  readonly exitCode: number;
}

export type LogStream = "stdout" | "stderr";

/** One parsed line of the CRI log format: `<RFC3339Nano> <stream> <P|F> <content>`. */
export interface LogLine {
  readonly time: string;
  readonly stream: LogStream;
  /** false for a partial ("P") line that continues in the next one. */
  readonly full: boolean;
  readonly content: Buffer;
}

export interface LogOptions {
  readonly follow?: boolean;
  readonly tailLines?: number;
  readonly sinceTimeNanos?: bigint;
  readonly limitBytes?: number;
  readonly signal?: AbortSignal;
}

/** readLogOutput's options; a byte limit on the output is the reader's to apply. */
export interface LogOutputOptions extends Omit<LogOptions, "limitBytes"> {
  readonly timestamps?: boolean;
}

export interface ContainerStats {
  readonly id: string;
  readonly timestamp: bigint;
  /** Cumulative CPU time in nanoseconds. */
  readonly cpuUsageCoreNanoSeconds: bigint;
  readonly memoryWorkingSetBytes: number;
  readonly memoryUsageBytes: number;
  readonly writableLayerBytes?: number;
}

export interface PodSandboxStats {
  readonly id: string;
  readonly timestamp: bigint;
  readonly cpuUsageCoreNanoSeconds: bigint;
  readonly memoryWorkingSetBytes: number;
  readonly containers: readonly ContainerStats[];
}

// ---- runtime identity ------------------------------------------------------------------------

export interface RuntimeVersion {
  /** "containerd" or "docker". */
  readonly runtimeName: string;
  readonly runtimeVersion: string;
  readonly runtimeApiVersion: string;
}

export interface RuntimeCondition {
  readonly type: "RuntimeReady" | "NetworkReady" | string;
  readonly status: boolean;
  readonly reason: string;
  readonly message: string;
}

export interface RuntimeStatus {
  readonly conditions: readonly RuntimeCondition[];
  /**
   * The image sandboxes run (containerd's `sandbox_image`, Docker's pause image), when the runtime
   * says; asked for with `status({ verbose: true })` (CRI: StatusResponse.info "config").
   */
  readonly sandboxImage?: string;
}

export interface RuntimeStatusOptions {
  /** Also report the runtime's configuration (sandboxImage); costlier, not for health checks. */
  readonly verbose?: boolean;
}
