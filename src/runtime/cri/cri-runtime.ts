import type { Duplex } from "node:stream";
import { isAbsolute } from "node:path";
import { BerthError, ErrorCode, hasCode } from "../../common/errors.js";
import { silentLogger, type Logger } from "../../common/log.js";
import { readCriLogFile, type ReadCriLogOptions } from "../cri-log.js";
import { readCriLogOutput } from "../cri-log-output.js";
import { detectOomScorePolicy, type OomScorePolicy } from "../oom-score.js";
import type { ContainerRuntime } from "../runtime.js";
import type {
  AuthConfig,
  Container,
  ContainerConfig,
  ContainerFilter,
  ContainerState,
  ContainerStats,
  ContainerStatus,
  AttachStreamOptions,
  ExecStreamOptions,
  ExecStreamResult,
  ExecSyncResult,
  Image,
  ImageFsInfo,
  ListedState,
  LogLine,
  LogOptions,
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
} from "../types.js";
import { CriConnection, CRI_DEFAULT_TIMEOUT_MS, type CallOptions } from "./connection.js";
import { decodeContainerStates, decodeSandboxStates } from "./list-states.js";
import {
  containerConfigToWire,
  containerFilterToWire,
  containerFromWire,
  containerStatusFromWire,
} from "./convert-container.js";
import { authToWire, imageFromWire, imageFsFromWire, sandboxImageFromInfo } from "./convert-image.js";
import {
  sandboxConfigToWire,
  sandboxFilterToWire,
  sandboxFromWire,
  sandboxStatusFromWire,
} from "./convert-sandbox.js";
import { containerStatsFromWire, podSandboxStatsFromWire, sumSandboxStats } from "./convert-stats.js";
import type {
  WireContainer,
  WireContainerStats,
  WireContainerStatus,
  WireFilesystemUsage,
  WireImage,
  WirePodSandbox,
  WirePodSandboxStats,
  WirePodSandboxStatus,
  WireRuntimeCondition,
} from "./wire.js";

/** The runtime.v1 API version berth speaks (VersionRequest.version). */
export const CRI_API_VERSION = "v1";
/** Extra deadline beyond a timeout carried in the request, so the runtime's own timer fires first. */
export const CRI_DEADLINE_MARGIN_MS = 30_000;
/** Deadline of image pulls (kubelet pulls have no runtime request timeout; a bound is still kept). */
export const CRI_PULL_TIMEOUT_MS = 10 * 60_000;

export interface CriRuntimeOptions {
  /** unix:///run/containerd/containerd.sock (or an absolute socket path). */
  readonly endpoint: string;
  readonly logger?: Logger;
  /** Deadline of ordinary calls; stop, exec and pull calls get longer ones. */
  readonly timeoutMs?: number;
  /** Injected for tests; detected from /proc/self when absent. */
  readonly oomScorePolicy?: OomScorePolicy;
}

/** ContainerRuntime over CRI runtime.v1 (containerd, CRI-O). */
export class CriRuntime implements ContainerRuntime {
  readonly name = "containerd";
  private readonly conn: CriConnection;
  private readonly log: Logger;
  private readonly oom: OomScorePolicy;
  /** Set once PodSandboxStats answers UNIMPLEMENTED (runtimes older than containerd 1.6). */
  private sandboxStatsUnsupported = false;

  constructor(options: CriRuntimeOptions) {
    if (!options.endpoint) throw new BerthError(ErrorCode.Config, "CRI runtime: endpoint is required");
    const timeoutMs = options.timeoutMs ?? CRI_DEFAULT_TIMEOUT_MS;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      throw new BerthError(
        ErrorCode.Config,
        `CRI runtime: timeoutMs must be a positive number, got ${timeoutMs}`,
      );
    }
    this.log = (options.logger ?? silentLogger()).child({ runtime: "cri", endpoint: options.endpoint });
    this.conn = new CriConnection(options.endpoint, timeoutMs, this.log);
    this.oom = options.oomScorePolicy ?? detectOomScorePolicy(this.log);
  }

  private runtimeCall<Res>(method: string, request: object, options: CallOptions<Res>): Promise<Res> {
    return this.conn.call<Res>("runtime", method, request, options);
  }

  private imageCall<Res>(method: string, request: object, options: CallOptions<Res>): Promise<Res> {
    return this.conn.call<Res>("image", method, request, options);
  }

  // ---- identity ------------------------------------------------------------------------------

  async version(): Promise<RuntimeVersion> {
    const r = await this.runtimeCall<{
      runtime_name: string;
      runtime_version: string;
      runtime_api_version: string;
    }>("Version", { version: CRI_API_VERSION }, { subject: "runtime" });
    return {
      runtimeName: r.runtime_name,
      runtimeVersion: r.runtime_version,
      runtimeApiVersion: r.runtime_api_version,
    };
  }

  async status(options: RuntimeStatusOptions = {}): Promise<RuntimeStatus> {
    const r = await this.runtimeCall<{
      status: { conditions: WireRuntimeCondition[] } | null;
      info?: Record<string, string>;
    }>("Status", { verbose: options.verbose === true }, { subject: "runtime" });
    const sandboxImage = sandboxImageFromInfo(r.info);
    return {
      conditions: (r.status?.conditions ?? []).map((c) => ({
        type: c.type,
        status: c.status,
        reason: c.reason,
        message: c.message,
      })),
      ...(sandboxImage !== undefined ? { sandboxImage } : {}),
    };
  }

  async updatePodCidr(podCidr: string): Promise<void> {
    await this.runtimeCall(
      "UpdateRuntimeConfig",
      { runtime_config: { network_config: { pod_cidr: podCidr } } },
      { subject: "runtime" },
    );
  }

  // ---- sandboxes -----------------------------------------------------------------------------

  async runPodSandbox(config: PodSandboxConfig): Promise<string> {
    if (!isAbsolute(config.logDirectory)) {
      throw new BerthError(
        ErrorCode.Invalid,
        `sandbox log directory ${JSON.stringify(config.logDirectory)} must be absolute`,
      );
    }
    const r = await this.runtimeCall<{ pod_sandbox_id: string }>(
      "RunPodSandbox",
      { config: sandboxConfigToWire(config), runtime_handler: config.runtimeHandler ?? "" },
      { subject: "sandbox", target: `${config.metadata.namespace}/${config.metadata.name}` },
    );
    return r.pod_sandbox_id;
  }

  async stopPodSandbox(id: string): Promise<void> {
    await this.runtimeCall("StopPodSandbox", { pod_sandbox_id: id }, { subject: "sandbox", target: id });
  }

  async removePodSandbox(id: string): Promise<void> {
    await this.runtimeCall("RemovePodSandbox", { pod_sandbox_id: id }, { subject: "sandbox", target: id });
  }

  async podSandboxStatus(id: string): Promise<PodSandboxStatus> {
    const r = await this.runtimeCall<{ status: WirePodSandboxStatus | null }>(
      "PodSandboxStatus",
      { pod_sandbox_id: id, verbose: false },
      { subject: "sandbox", target: id },
    );
    if (!r.status) throw new BerthError(ErrorCode.NotFound, `pod sandbox ${id} not found`);
    return sandboxStatusFromWire(r.status);
  }

  async listPodSandboxes(filter?: PodSandboxFilter): Promise<PodSandbox[]> {
    const r = await this.runtimeCall<{ items: WirePodSandbox[] }>(
      "ListPodSandbox",
      { filter: sandboxFilterToWire(filter) },
      { subject: "sandbox" },
    );
    return (r.items ?? []).map(sandboxFromWire);
  }

  listPodSandboxStates(filter?: PodSandboxFilter): Promise<ListedState<SandboxState>[]> {
    return this.runtimeCall(
      "ListPodSandbox",
      { filter: sandboxFilterToWire(filter) },
      { subject: "sandbox", decode: decodeSandboxStates },
    );
  }

  // ---- containers ----------------------------------------------------------------------------

  async createContainer(
    podSandboxId: string,
    config: ContainerConfig,
    sandboxConfig: PodSandboxConfig,
  ): Promise<string> {
    const r = await this.runtimeCall<{ container_id: string }>(
      "CreateContainer",
      {
        pod_sandbox_id: podSandboxId,
        config: containerConfigToWire(config, sandboxConfig, this.oom),
        sandbox_config: sandboxConfigToWire(sandboxConfig),
      },
      { subject: "container", target: `${podSandboxId}/${config.metadata.name}` },
    );
    return r.container_id;
  }

  async startContainer(id: string): Promise<void> {
    await this.runtimeCall("StartContainer", { container_id: id }, { subject: "container", target: id });
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    const timeout = Math.max(0, Math.trunc(timeoutSeconds));
    await this.runtimeCall(
      "StopContainer",
      { container_id: id, timeout },
      { subject: "container", target: id, timeoutMs: timeout * 1000 + CRI_DEADLINE_MARGIN_MS },
    );
  }

  async removeContainer(id: string): Promise<void> {
    await this.runtimeCall("RemoveContainer", { container_id: id }, { subject: "container", target: id });
  }

  async containerStatus(id: string): Promise<ContainerStatus> {
    // ContainerStatus does not name the sandbox; ListContainers by id does (both are cheap).
    const [status, listed] = await Promise.all([
      this.runtimeCall<{ status: WireContainerStatus | null }>(
        "ContainerStatus",
        { container_id: id, verbose: false },
        { subject: "container", target: id },
      ),
      this.runtimeCall<{ containers: WireContainer[] }>(
        "ListContainers",
        { filter: containerFilterToWire({ id }) },
        { subject: "container", target: id },
      ),
    ]);
    if (!status.status) throw new BerthError(ErrorCode.NotFound, `container ${id} not found`);
    const sandboxId = listed.containers?.find((c) => c.id === status.status?.id)?.pod_sandbox_id ?? "";
    return containerStatusFromWire(status.status, sandboxId);
  }

  async listContainers(filter?: ContainerFilter): Promise<Container[]> {
    const r = await this.runtimeCall<{ containers: WireContainer[] }>(
      "ListContainers",
      { filter: containerFilterToWire(filter) },
      { subject: "container" },
    );
    return (r.containers ?? []).map(containerFromWire);
  }

  listContainerStates(filter?: ContainerFilter): Promise<ListedState<ContainerState>[]> {
    return this.runtimeCall(
      "ListContainers",
      { filter: containerFilterToWire(filter) },
      { subject: "container", decode: decodeContainerStates },
    );
  }

  // ---- exec ----------------------------------------------------------------------------------

  async execSync(id: string, cmd: readonly string[], timeoutSeconds: number): Promise<ExecSyncResult> {
    if (cmd.length === 0) throw new BerthError(ErrorCode.Invalid, "execSync: empty command");
    const timeout = Math.max(0, Math.trunc(timeoutSeconds));
    const r = await this.runtimeCall<{ stdout: Buffer; stderr: Buffer; exit_code: number }>(
      "ExecSync",
      { container_id: id, cmd: [...cmd], timeout },
      {
        subject: "exec",
        target: id,
        // 0 means no limit in CRI; the call then gets the pull-sized bound.
        timeoutMs: timeout === 0 ? CRI_PULL_TIMEOUT_MS : timeout * 1000 + CRI_DEADLINE_MARGIN_MS,
      },
    );
    return {
      stdout: Buffer.from(r.stdout ?? []),
      stderr: Buffer.from(r.stderr ?? []),
      exitCode: r.exit_code,
    };
  }

  async exec(id: string, options: ExecStreamOptions): Promise<ExecStreamResult> {
    if (options.cmd.length === 0) throw new BerthError(ErrorCode.Invalid, "exec: empty command");
    const r = await this.runtimeCall<{ url: string }>(
      "Exec",
      {
        container_id: id,
        cmd: [...options.cmd],
        tty: options.tty,
        stdin: options.stdin !== undefined,
        // The streaming server needs at least one stream; output is always requested.
        stdout: true,
        stderr: !options.tty,
      },
      { subject: "exec", target: id },
    );
    // Only SPDY can tell the command that stdin ended (WebSocket v4, all containerd 1.6 has,
    // cannot); sessions without stdin use WebSocket, v5 where the server offers it.
    // Loaded on first use: exec streams are rare, and ws and the SPDY framing are not small.
    if (options.stdin !== undefined) return (await import("./exec-spdy.js")).runExecSpdy(r.url, options);
    return (await import("./exec-stream.js")).runExecStream(r.url, options);
  }

  async attach(id: string, options: AttachStreamOptions): Promise<void> {
    const r = await this.runtimeCall<{ url: string }>(
      "Attach",
      {
        container_id: id,
        stdin: options.stdin !== undefined,
        tty: options.tty,
        stdout: true,
        stderr: !options.tty,
      },
      { subject: "container", target: id },
    );
    const session = { ...options, cmd: [] };
    if (options.stdin !== undefined) await (await import("./exec-spdy.js")).runExecSpdy(r.url, session);
    else await (await import("./exec-stream.js")).runExecStream(r.url, session);
  }

  async portForward(podSandboxId: string, port: number, signal?: AbortSignal): Promise<Duplex> {
    const r = await this.runtimeCall<{ url: string }>(
      "PortForward",
      { pod_sandbox_id: podSandboxId, port: [port] },
      { subject: "sandbox", target: podSandboxId },
    );
    return (await import("./port-forward-stream.js")).openPortForwardStream(r.url, port, signal);
  }

  async portForwardServer(podSandboxId: string, ports: readonly number[]): Promise<string> {
    const r = await this.runtimeCall<{ url: string }>(
      "PortForward",
      { pod_sandbox_id: podSandboxId, port: [...ports] },
      { subject: "sandbox", target: podSandboxId },
    );
    return r.url;
  }

  async reopenContainerLog(id: string): Promise<void> {
    await this.runtimeCall("ReopenContainerLog", { container_id: id }, { subject: "container", target: id });
  }

  // ---- logs ----------------------------------------------------------------------------------

  async *readLogs(id: string, options: LogOptions = {}): AsyncIterable<LogLine> {
    const { path, whenMissing, isDone } = await this.#logFile(id, options.follow === true);
    yield* readCriLogFile(path, { ...options, whenMissing, isDone });
  }

  async *readLogOutput(id: string, options: LogOutputOptions = {}): AsyncIterable<Buffer> {
    const { path, whenMissing, isDone } = await this.#logFile(id, options.follow === true);
    yield* readCriLogOutput(path, { ...options, whenMissing, isDone });
  }

  /** The container's log file, and how a reader treats its absence and learns that it ended. */
  async #logFile(
    id: string,
    follow: boolean,
  ): Promise<Required<Pick<ReadCriLogOptions, "whenMissing" | "isDone">> & { path: string }> {
    const status = await this.containerStatus(id);
    if (!status.logPath) throw new BerthError(ErrorCode.NotFound, `container ${id} has no log file`);
    return {
      path: status.logPath,
      // containerd creates the file when the container starts.
      whenMissing: status.state === "created" ? (follow ? "wait" : "empty") : "error",
      isDone: async () => {
        try {
          const s = await this.containerStatus(id);
          return s.state !== "running" && s.state !== "created";
        } catch (err) {
          if (hasCode(err, ErrorCode.NotFound)) return true;
          throw err;
        }
      },
    };
  }

  // ---- stats ---------------------------------------------------------------------------------

  async containerStats(id: string): Promise<ContainerStats> {
    const r = await this.runtimeCall<{ stats: WireContainerStats | null }>(
      "ContainerStats",
      { container_id: id },
      { subject: "container", target: id },
    );
    if (!r.stats) throw new BerthError(ErrorCode.NotFound, `no stats for container ${id}`);
    return containerStatsFromWire(r.stats);
  }

  async listContainerStats(filter?: ContainerFilter): Promise<ContainerStats[]> {
    const r = await this.runtimeCall<{ stats: WireContainerStats[] }>(
      "ListContainerStats",
      {
        filter: filter
          ? {
              id: filter.id ?? "",
              pod_sandbox_id: filter.podSandboxId ?? "",
              label_selector: { ...(filter.labelSelector ?? {}) },
            }
          : null,
      },
      { subject: "container" },
    );
    let stats = (r.stats ?? []).map(containerStatsFromWire);
    if (filter?.state) {
      // ContainerStatsFilter has no state; apply it through ListContainers.
      const ids = new Set((await this.listContainers({ state: filter.state })).map((c) => c.id));
      stats = stats.filter((s) => ids.has(s.id));
    }
    return stats;
  }

  async podSandboxStats(id: string): Promise<PodSandboxStats> {
    if (!this.sandboxStatsUnsupported) {
      try {
        const r = await this.runtimeCall<{ stats: WirePodSandboxStats | null }>(
          "PodSandboxStats",
          { pod_sandbox_id: id },
          { subject: "sandbox", target: id },
        );
        if (r.stats) return podSandboxStatsFromWire(r.stats);
      } catch (err) {
        if (hasCode(err, ErrorCode.Unsupported)) {
          this.sandboxStatsUnsupported = true;
          this.log.info("runtime lacks PodSandboxStats; summing container stats instead");
        } else if (hasCode(err, ErrorCode.Internal)) {
          // containerd 1.6 has the RPC but fails for sandboxes without a cgroup parent.
          this.log.debug({ err, sandbox: id }, "PodSandboxStats failed; summing container stats instead");
        } else {
          throw err;
        }
      }
    }
    await this.podSandboxStatus(id); // NotFound for an unknown sandbox
    const containers = await this.listContainerStats({ podSandboxId: id });
    return sumSandboxStats(id, containers, BigInt(Date.now()) * 1_000_000n);
  }

  // ---- images --------------------------------------------------------------------------------

  async pullImage(image: string, auth?: AuthConfig, sandboxConfig?: PodSandboxConfig): Promise<string> {
    if (!image) throw new BerthError(ErrorCode.InvalidImageName, "pullImage: empty image reference");
    const r = await this.imageCall<{ image_ref: string }>(
      "PullImage",
      {
        image: { image },
        auth: authToWire(auth),
        sandbox_config: sandboxConfig ? sandboxConfigToWire(sandboxConfig) : null,
      },
      { subject: "pull", target: image, timeoutMs: CRI_PULL_TIMEOUT_MS },
    );
    return r.image_ref;
  }

  async imageStatus(image: string): Promise<Image | undefined> {
    const r = await this.imageCall<{ image: WireImage | null }>(
      "ImageStatus",
      { image: { image }, verbose: false },
      { subject: "image", target: image },
    );
    return r.image ? imageFromWire(r.image) : undefined;
  }

  async listImages(): Promise<Image[]> {
    const r = await this.imageCall<{ images: WireImage[] }>(
      "ListImages",
      { filter: null },
      { subject: "image" },
    );
    return (r.images ?? []).map(imageFromWire);
  }

  async removeImage(image: string): Promise<void> {
    await this.imageCall("RemoveImage", { image: { image } }, { subject: "image", target: image });
  }

  async imageFsInfo(): Promise<ImageFsInfo> {
    const r = await this.imageCall<{ image_filesystems: WireFilesystemUsage[] }>(
      "ImageFsInfo",
      {},
      { subject: "image" },
    );
    return imageFsFromWire(r.image_filesystems);
  }

  async close(): Promise<void> {
    this.conn.close();
  }
}
