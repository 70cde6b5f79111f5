import type { Duplex } from "node:stream";
import type {
  AuthConfig,
  Container,
  ContainerConfig,
  ContainerFilter,
  ContainerStats,
  ContainerStatus,
  AttachStreamOptions,
  ExecStreamOptions,
  ExecStreamResult,
  ExecSyncResult,
  Image,
  ImageFsInfo,
  LogLine,
  LogOptions,
  ListedState,
  LogOutputOptions,
  PodSandbox,
  PodSandboxConfig,
  PodSandboxFilter,
  PodSandboxStats,
  PodSandboxStatus,
  RuntimeStatus,
  RuntimeStatusOptions,
  RuntimeVersion,
  SandboxState,
  ContainerState,
} from "./types.js";

/**
 * What the agent needs from a container runtime. Implemented by the CRI adapter (containerd),
 * the Docker adapter and the in-memory fake; one contract suite (test/runtime) runs against all
 * three. Every method is idempotent where CRI's is (stopping a stopped container, removing a
 * removed one succeed). Failures are BerthErrors with codes NotFound, AlreadyExists,
 * ImageNotFound, Unauthorized, InvalidImageName, DeadlineExceeded or RuntimeUnavailable, with the
 * runtime's own error kept as `cause`.
 */
export interface ContainerRuntime {
  /** "containerd" or "docker" or "fake": the scheme of container ids ("containerd://ID"). */
  readonly name: string;

  version(): Promise<RuntimeVersion>;
  status(options?: RuntimeStatusOptions): Promise<RuntimeStatus>;
  /**
   * CRI UpdateRuntimeConfig: the node's pod CIDR, which a runtime may use for its pod network
   * (containerd renders its CNI conf_template with it). Runtimes without that do nothing.
   */
  updatePodCidr(podCidr: string): Promise<void>;

  // sandboxes
  runPodSandbox(config: PodSandboxConfig): Promise<string>;
  stopPodSandbox(id: string): Promise<void>;
  removePodSandbox(id: string): Promise<void>;
  podSandboxStatus(id: string): Promise<PodSandboxStatus>;
  listPodSandboxes(filter?: PodSandboxFilter): Promise<PodSandbox[]>;
  /**
   * listPodSandboxes with only each sandbox's id, state and pod uid: what the agent relists every
   * second. The CRI adapter decodes nothing else of the answer.
   */
  listPodSandboxStates(filter?: PodSandboxFilter): Promise<ListedState<SandboxState>[]>;

  // containers
  createContainer(
    podSandboxId: string,
    config: ContainerConfig,
    sandboxConfig: PodSandboxConfig,
  ): Promise<string>;
  startContainer(id: string): Promise<void>;
  /** SIGTERM (or the image's stop signal), then SIGKILL after timeoutSeconds; 0 kills at once. */
  stopContainer(id: string, timeoutSeconds: number): Promise<void>;
  removeContainer(id: string): Promise<void>;
  containerStatus(id: string): Promise<ContainerStatus>;
  listContainers(filter?: ContainerFilter): Promise<Container[]>;
  /** listContainers with only each container's id, state and pod uid (see listPodSandboxStates). */
  listContainerStates(filter?: ContainerFilter): Promise<ListedState<ContainerState>[]>;

  // exec
  execSync(id: string, cmd: readonly string[], timeoutSeconds: number): Promise<ExecSyncResult>;
  exec(id: string, options: ExecStreamOptions): Promise<ExecStreamResult>;
  /** Joins the container's main process stdio until it exits or the signal aborts. */
  attach(id: string, options: AttachStreamOptions): Promise<void>;
  /** A connection to `port` on the loopback of the sandbox's network namespace. */
  portForward(podSandboxId: string, port: number, signal?: AbortSignal): Promise<Duplex>;
  /**
   * The URL of the runtime's own streaming server for a port-forward into the sandbox (CRI
   * PortForward), on runtimes that have one: the agent relays the client's upgrade to it, as the
   * kubelet does. `ports` are those a WebSocket client named; SPDY clients name them per stream.
   */
  portForwardServer?(podSandboxId: string, ports: readonly number[]): Promise<string>;

  /**
   * Makes the runtime write to a fresh file at the container's log path (CRI ReopenContainerLog),
   * after the agent renamed the old one. Unsupported where the runtime rotates its own logs (Docker).
   */
  reopenContainerLog(id: string): Promise<void>;

  // logs: parsed CRI-format lines from the container's log file (previous attempts via their own ids)
  readLogs(id: string, options?: LogOptions): AsyncIterable<LogLine>;
  /**
   * The same log as `kubectl logs` prints it (kubelet: GetContainerLogs): each line's content and
   * its newline (none after a partial line), after its time and a space with `timestamps`; in
   * chunks of many lines, converted with Buffer operations, for streaming to a client.
   */
  readLogOutput(id: string, options?: LogOutputOptions): AsyncIterable<Buffer>;

  // stats
  containerStats(id: string): Promise<ContainerStats>;
  listContainerStats(filter?: ContainerFilter): Promise<ContainerStats[]>;
  podSandboxStats(id: string): Promise<PodSandboxStats>;

  // images
  pullImage(image: string, auth?: AuthConfig, sandboxConfig?: PodSandboxConfig): Promise<string>;
  /** undefined when the image is not present. */
  imageStatus(image: string): Promise<Image | undefined>;
  listImages(): Promise<Image[]>;
  removeImage(image: string): Promise<void>;
  /** Where the images live (CRI ImageFsInfo); the agent reads capacity and free space there itself. */
  imageFsInfo(): Promise<ImageFsInfo>;

  /** Releases connections; the runtime's containers keep running. */
  close(): Promise<void>;
}
