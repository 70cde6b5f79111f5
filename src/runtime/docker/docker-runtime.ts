/**
 * The Docker adapter: CRI semantics emulated on the Docker Engine API, as dockershim did. A pod
 * sandbox is a pause container holding the pod's network and IPC (and shared PID) namespaces; app
 * containers join them with `container:<id>` modes. Everything the agent needs to rebuild its view
 * after a restart lives in Docker itself (names and labels), never in this process.
 *
 * Logs stay with Docker (json-file driver) and are read as CRI lines through readLogs (see
 * logs.ts); a container's `logPath` is the path the kubelet layout gives it, recorded for the
 * agent's bookkeeping, but no CRI-format file is written there.
 */
import { readFile } from "node:fs/promises";
import type { Agent, IncomingMessage } from "node:http";
import type { Duplex, Readable } from "node:stream";
import type Docker from "dockerode";
import { BerthError, ErrorCode, silentLogger, type Logger } from "../../common/index.js";
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
  Labels,
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
  RuntimeVersion,
  SandboxState,
} from "../types.js";
import { LABEL_POD_UID } from "../labels.js";
import { containerCreateOptions, needsImageUser, type LogRotation } from "./container-options.js";
import { decodeLabels, internalKey, RESERVED_PREFIX, TYPE_CONTAINER, TYPE_SANDBOX } from "./docker-labels.js";
import { loadDockerode } from "./dockerode.js";
import { ListCache, STATE_ACTIONS, type ListedSummary } from "./list-cache.js";
import { parseEndpoint } from "./endpoint.js";
import { fromDockerError, isDockerNotFound, isNotModified, type Subject } from "./errors.js";
import { attachStream, execStream, execSync } from "./exec.js";
import { netnsConnection } from "./port-forward.js";
import * as images from "./images.js";
import { dockerLogsToLines, dockerLogsToOutput } from "./logs.js";
import { linesToOutput } from "../log-output.js";
import { sandboxCreateOptions } from "./sandbox-options.js";
import {
  containerFromSummary,
  containerState,
  containerStatusFromInspect,
  sandboxFromSummary,
  sandboxState,
  sandboxStatusFromInspect,
  type DockerInspect,
  type DockerSummary,
} from "./state.js";
import { containerStatsFrom, sandboxStatsFrom, type DockerStats } from "./stats.js";
import { dockerSince, nowNanos } from "./time.js";

export const DOCKER_RUNTIME_NAME = "docker";
/** The network Docker attaches a sandbox to; its address is the pod IP. */
export const DOCKER_POD_NETWORK = "bridge";
/** A full Docker container id: 64 lowercase hex digits. */
const FULL_ID = /^[0-9a-f]{64}$/;

export interface DockerRuntimeOptions {
  /** "unix:///run/docker.sock" or "tcp://host:port". */
  readonly endpoint: string;
  /** The pause image every sandbox runs (pulled on first use when absent). */
  readonly podInfraImage: string;
  readonly logger?: Logger;
  /** How long after its exit a SIGKILLed container's status waits for Docker's late OOM event (OOM_SETTLE_MS). */
  readonly oomSettleMs?: number;
  /** How often Docker is asked again meanwhile (OOM_POLL_MS). */
  readonly oomPollMs?: number;
  /** Whether negative oom_score_adj can be set; detected from /proc/self when omitted. */
  readonly oomScorePolicy?: OomScorePolicy;
  /** Wall clock in ns, recorded as creation time. */
  readonly now?: () => bigint;
  /** Log rotation by Docker's json-file driver (the kubelet's container log manager on CRI). */
  readonly logRotation?: LogRotation;
}

/**
 * A dockerode client on a keep-alive agent, for this adapter and for comparisons (bench). No
 * request timeout: followed logs and exec sessions may stay quiet for as long as they like.
 */
export function createDockerClient(endpoint: string): { docker: Docker; agent: Agent } {
  // getBuiltinModule, not an ESM import: see HttpTransport in src/api/http-transport.ts.
  const agent = new (process.getBuiltinModule("node:http").Agent)({ keepAlive: true, maxSockets: 64 });
  // docker-modem formats every request's options with util.inspect(showHidden, unlimited depth)
  // for its debug log, even when that log is off. The options hold this agent, and walking its
  // sockets and queues was most of the adapter's CPU: 45 of 65 s in a profiled 30-pod burst.
  Object.defineProperty(agent, Symbol.for("nodejs.util.inspect.custom"), {
    value: () => "[keep-alive http.Agent]",
  });
  const options: Docker.DockerOptions & { agent: Agent } = { ...parseEndpoint(endpoint), agent };
  const DockerClient = loadDockerode();
  return { docker: new DockerClient(options), agent };
}

/**
 * How long after a container exited on SIGKILL (137) without OOMKilled its status keeps asking
 * Docker again. Docker queues a container's events in order, and the OOM event the shim sends can
 * follow the exit by a moment; under load (CI on 2 cores) an inspect between the two reported the
 * kernel's kill as a plain Error, and a single second look 500 ms later still missed it at times.
 * The window is measured from the container's FinishedAt, so only fresh exits pay the wait.
 */
export const OOM_SETTLE_MS = 3000;
/** How often Docker is asked again within that window. */
export const OOM_POLL_MS = 250;

/** 128 + SIGKILL: what a container the kernel's OOM killer (or a stop's grace timeout) ended shows. */
const EXIT_SIGKILL = 137;

/** A Localhost seccomp profile's text, as dockershim passed it (`seccomp=<json>`). */
async function readSeccompProfile(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    throw new BerthError(
      ErrorCode.Invalid,
      `cannot load seccomp profile ${JSON.stringify(path)}: ${String(err)}`,
      {
        cause: err,
      },
    );
  }
}

function mayAwaitOomEvent(status: ContainerStatus): boolean {
  return status.state === "exited" && status.exitCode === EXIT_SIGKILL && status.reason !== "OOMKilled";
}

function matchesLabels(labels: Labels, selector: Labels | undefined): boolean {
  return Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);
}

/**
 * What a relist reads of Docker's list under one filter, as the full lists select it: the id
 * prefix, the sandbox and the CRI labels. The state is left to listedStates, so that one kept
 * answer serves every state filter.
 */
function summarize(
  raw: readonly DockerSummary[],
  filter: { readonly id?: string; readonly podSandboxId?: string; readonly labelSelector?: Labels },
): ListedSummary[] {
  const sandboxKey = internalKey("sandboxId");
  const out: ListedSummary[] = [];
  for (const summary of raw) {
    if (
      (filter.id === undefined || summary.Id.startsWith(filter.id)) &&
      (filter.podSandboxId === undefined || summary.Labels?.[sandboxKey] === filter.podSandboxId) &&
      matchesCriLabels(summary.Labels, filter.labelSelector)
    ) {
      out.push({ id: summary.Id, state: summary.State, podUid: summary.Labels?.[LABEL_POD_UID] ?? "" });
    }
  }
  return out;
}

function listedStates<S extends SandboxState | ContainerState>(
  summaries: readonly ListedSummary[],
  stateOf: (status: string) => S,
  wanted: S | undefined,
): ListedState<S>[] {
  const out: ListedState<S>[] = [];
  for (const s of summaries) {
    const state = stateOf(s.state);
    if (wanted === undefined || state === wanted) out.push({ id: s.id, state, podUid: s.podUid });
  }
  return out;
}

/**
 * matchesLabels on Docker's labels as they are: CRI labels are stored under their own keys, and
 * a key under the adapter's reserved prefix is never a CRI label.
 */
function matchesCriLabels(docker: Labels | null, selector: Labels | undefined): boolean {
  return Object.entries(selector ?? {}).every(
    ([k, v]) => !k.startsWith(RESERVED_PREFIX) && docker?.[k] === v,
  );
}

export class DockerRuntime implements ContainerRuntime {
  readonly name = DOCKER_RUNTIME_NAME;
  private readonly docker: Docker;
  private readonly agent: Agent;
  private readonly log: Logger;
  private readonly oomPolicy: OomScorePolicy;
  private readonly now: () => bigint;
  private readonly podInfraImage: string;

  private readonly logRotation: LogRotation | undefined;
  private readonly oomSettleMs: number;
  private readonly oomPollMs: number;
  private readonly lists: ListCache;

  constructor(options: DockerRuntimeOptions) {
    if (!options.podInfraImage) {
      throw new BerthError(ErrorCode.Config, "docker runtime: podInfraImage must be set");
    }
    ({ docker: this.docker, agent: this.agent } = createDockerClient(options.endpoint));
    this.podInfraImage = options.podInfraImage;
    this.log = (options.logger ?? silentLogger()).child({ runtime: DOCKER_RUNTIME_NAME });
    this.oomPolicy = options.oomScorePolicy ?? detectOomScorePolicy(this.log);
    this.now = options.now ?? nowNanos;
    this.logRotation = options.logRotation;
    this.oomSettleMs = options.oomSettleMs ?? OOM_SETTLE_MS;
    this.oomPollMs = options.oomPollMs ?? OOM_POLL_MS;
    this.lists = new ListCache({
      log: this.log,
      subscribe: (since, signal) => this.stateEvents(since, signal),
    });
  }

  // ---- identity ------------------------------------------------------------------------------

  async version(): Promise<RuntimeVersion> {
    const v = await this.call("daemon", "docker version", () => this.docker.version());
    return { runtimeName: DOCKER_RUNTIME_NAME, runtimeVersion: v.Version, runtimeApiVersion: v.ApiVersion };
  }

  /** dockershim passed the pod CIDR to a network plugin only; Docker's bridge has its own range. */
  async updatePodCidr(_podCidr: string): Promise<void> {
    await Promise.resolve();
  }

  /** The sandbox image is always reported: it is the adapter's own pause image. */
  async status(): Promise<RuntimeStatus> {
    await this.call("daemon", "docker ping", () => this.docker.ping());
    let network: { status: boolean; reason: string; message: string };
    try {
      await this.docker.getNetwork(DOCKER_POD_NETWORK).inspect();
      network = { status: true, reason: "", message: "" };
    } catch (err) {
      const converted = fromDockerError(err, "daemon", `network "${DOCKER_POD_NETWORK}"`);
      if (converted.code === ErrorCode.RuntimeUnavailable) throw converted;
      network = { status: false, reason: "NetworkPluginNotReady", message: converted.message };
    }
    return {
      conditions: [
        { type: "RuntimeReady", status: true, reason: "", message: "" },
        { type: "NetworkReady", ...network },
      ],
      sandboxImage: this.podInfraImage,
    };
  }

  // ---- sandboxes -----------------------------------------------------------------------------

  runPodSandbox(config: PodSandboxConfig): Promise<string> {
    return this.change(async () => {
      const options = sandboxCreateOptions({
        config,
        podInfraImage: this.podInfraImage,
        createdNanos: this.now(),
      });
      const what = `sandbox ${options.name ?? ""}`;
      const create = (): Promise<Docker.Container> =>
        this.call("sandbox", what, () => this.docker.createContainer(options));
      let container: Docker.Container;
      try {
        container = await create();
      } catch (err) {
        // The pause image is pulled on first use only, so that the common path costs one call.
        if (!(err instanceof BerthError && err.code === ErrorCode.ImageNotFound)) throw err;
        this.log.info({ image: this.podInfraImage }, "pulling pod infra image");
        await images.pullImage(this.docker, this.podInfraImage);
        container = await create();
      }
      try {
        await container.start();
      } catch (err) {
        // Leave nothing half-made behind: the same attempt can then be retried.
        await container.remove({ force: true }).catch(() => undefined);
        throw fromDockerError(err, "sandbox", what);
      }
      this.log.debug(
        { sandbox: container.id, pod: `${config.metadata.namespace}/${config.metadata.name}` },
        "sandbox started",
      );
      return container.id;
    });
  }

  stopPodSandbox(id: string): Promise<void> {
    return this.change(async () => {
      const { sandboxId, members } = await this.sandboxMembers(id);
      // As containerd does: whatever still runs in the pod is killed, then the pause container.
      const running = members.filter((c) => c.State === "running");
      await Promise.all(running.map((c) => this.stopRaw(c.Id, 0, "container")));
      await this.stopRaw(sandboxId, 0, "sandbox");
      this.log.debug({ sandbox: sandboxId, killed: running.length }, "sandbox stopped");
    });
  }

  removePodSandbox(id: string): Promise<void> {
    return this.change(async () => {
      let found: { sandboxId: string; members: DockerSummary[] };
      try {
        found = await this.sandboxMembers(id);
      } catch (err) {
        if (err instanceof BerthError && err.code === ErrorCode.NotFound) return;
        throw err;
      }
      await Promise.all(found.members.map((c) => this.removeRaw(c.Id, "container")));
      await this.removeRaw(found.sandboxId, "sandbox");
      this.log.debug({ sandbox: found.sandboxId, containers: found.members.length }, "sandbox removed");
    });
  }

  async podSandboxStatus(id: string): Promise<PodSandboxStatus> {
    return sandboxStatusFromInspect(await this.inspectOwn(id, TYPE_SANDBOX));
  }

  /** listPodSandboxes read off Docker's list without decoding labels, names or times. */
  async listPodSandboxStates(filter: PodSandboxFilter = {}): Promise<ListedState<SandboxState>[]> {
    const summaries = await this.listSummaries(TYPE_SANDBOX, filter.labelSelector ?? {}, filter);
    return listedStates(summaries, sandboxState, filter.state);
  }

  async listPodSandboxes(filter: PodSandboxFilter = {}): Promise<PodSandbox[]> {
    const raw = await this.listRaw(TYPE_SANDBOX, filter.labelSelector ?? {}, filter.id);
    return raw
      .map(sandboxFromSummary)
      .filter(
        (s) =>
          (filter.id === undefined || s.id.startsWith(filter.id)) &&
          (filter.state === undefined || s.state === filter.state) &&
          matchesLabels(s.labels, filter.labelSelector),
      );
  }

  // ---- containers ----------------------------------------------------------------------------

  createContainer(
    podSandboxId: string,
    config: ContainerConfig,
    sandboxConfig: PodSandboxConfig,
  ): Promise<string> {
    return this.change(async () => {
      images.checkImageRef(config.image.image);
      const sandbox = await this.inspectOwn(podSandboxId, TYPE_SANDBOX);
      let imageUser: string | undefined;
      if (needsImageUser(config)) {
        const image = await images.imageStatus(this.docker, config.image.image);
        if (!image)
          throw new BerthError(ErrorCode.ImageNotFound, `image ${config.image.image} is not present`);
        imageUser = image.user;
      }
      const seccomp = config.security?.seccomp;
      const seccompJson =
        seccomp?.type === "Localhost" && config.security?.privileged !== true
          ? await readSeccompProfile(seccomp.localhostRef)
          : undefined;
      const runtime = sandbox.HostConfig?.Runtime;
      const options = containerCreateOptions({
        sandboxId: sandbox.Id,
        config,
        sandboxConfig,
        oomPolicy: this.oomPolicy,
        createdNanos: this.now(),
        ...(seccompJson !== undefined ? { seccompJson } : {}),
        ...(runtime ? { runtime } : {}),
        ...(imageUser !== undefined ? { imageUser } : {}),
        ...(this.logRotation !== undefined ? { logRotation: this.logRotation } : {}),
      });
      const container = await this.call("container", `container ${options.name ?? ""}`, () =>
        this.docker.createContainer(options),
      );
      this.log.debug(
        { container: container.id, sandbox: sandbox.Id, name: options.name },
        "container created",
      );
      return container.id;
    });
  }

  startContainer(id: string): Promise<void> {
    return this.change(async () => {
      try {
        await this.docker.getContainer(id).start();
      } catch (err) {
        if (isNotModified(err)) return;
        throw fromDockerError(err, "container", `start container "${id}"`);
      }
    });
  }

  stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    return this.change(async () => {
      await this.stopRaw(id, Math.max(0, Math.ceil(timeoutSeconds)), "container");
    });
  }

  removeContainer(id: string): Promise<void> {
    return this.change(async () => {
      await this.removeRaw(id, "container");
    });
  }

  async containerStatus(id: string): Promise<ContainerStatus> {
    let status = containerStatusFromInspect(await this.inspectOwn(id, TYPE_CONTAINER));
    // Docker handles containerd's TaskExit and TaskOOM in turn; when the exit comes first, a
    // container the kernel killed shows OOMKilled false until the OOM event is handled after it.
    // The loop is bounded by its count too, should the clock and FinishedAt disagree.
    const settleNanos = BigInt(this.oomSettleMs) * 1_000_000n;
    for (let left = Math.ceil(this.oomSettleMs / this.oomPollMs); left > 0; left--) {
      if (!mayAwaitOomEvent(status) || this.now() - status.finishedAt >= settleNanos) break;
      await new Promise((resolve) => setTimeout(resolve, this.oomPollMs));
      status = containerStatusFromInspect(await this.inspectOwn(id, TYPE_CONTAINER));
    }
    return status;
  }

  /** listContainers read off Docker's list without decoding labels, names or times. */
  async listContainerStates(filter: ContainerFilter = {}): Promise<ListedState<ContainerState>[]> {
    const selector: Record<string, string> = { ...filter.labelSelector };
    if (filter.podSandboxId !== undefined) selector[internalKey("sandboxId")] = filter.podSandboxId;
    const summaries = await this.listSummaries(TYPE_CONTAINER, selector, filter);
    return listedStates(summaries, containerState, filter.state);
  }

  async listContainers(filter: ContainerFilter = {}): Promise<Container[]> {
    const selector: Record<string, string> = { ...filter.labelSelector };
    if (filter.podSandboxId !== undefined) selector[internalKey("sandboxId")] = filter.podSandboxId;
    const raw = await this.listRaw(TYPE_CONTAINER, selector, filter.id);
    return raw
      .map(containerFromSummary)
      .filter(
        (c) =>
          (filter.id === undefined || c.id.startsWith(filter.id)) &&
          (filter.state === undefined || c.state === filter.state) &&
          (filter.podSandboxId === undefined || c.podSandboxId === filter.podSandboxId) &&
          matchesLabels(c.labels, filter.labelSelector),
      );
  }

  // ---- exec and logs -------------------------------------------------------------------------

  execSync(id: string, cmd: readonly string[], timeoutSeconds: number): Promise<ExecSyncResult> {
    return execSync(this.docker, id, cmd, timeoutSeconds);
  }

  exec(id: string, options: ExecStreamOptions): Promise<ExecStreamResult> {
    return execStream(this.docker, id, options);
  }

  reopenContainerLog(): Promise<void> {
    return Promise.reject(
      new BerthError(
        ErrorCode.Unsupported,
        "docker rotates container logs itself (json-file max-size, max-file)",
      ),
    );
  }

  async attach(id: string, options: AttachStreamOptions): Promise<void> {
    await this.inspectOwn(id, TYPE_CONTAINER);
    return attachStream(this.docker, id, options);
  }

  async portForward(podSandboxId: string, port: number, signal?: AbortSignal): Promise<Duplex> {
    const inspect = (await this.inspectOwn(podSandboxId, TYPE_SANDBOX)) as DockerInspect & {
      State: { Pid?: number };
    };
    return netnsConnection(inspect.State.Pid ?? 0, port, signal);
  }

  async *readLogs(id: string, options: LogOptions = {}): AsyncIterable<LogLine> {
    // Every message with its time: the lines carry it.
    const { body, tty } = await this.#logs(id, options, true);
    if (body === undefined) return;
    try {
      yield* dockerLogsToLines(body, tty, options.limitBytes);
    } catch (err) {
      if (!options.signal?.aborted) throw fromDockerError(err, "container", `logs of container "${id}"`);
    } finally {
      body.destroy();
    }
  }

  async *readLogOutput(id: string, options: LogOutputOptions = {}): AsyncIterable<Buffer> {
    if (options.timestamps === true) {
      // Docker's times are rewritten in Go's RFC3339Nano, line by line.
      yield* linesToOutput(this.readLogs(id, options), options);
      return;
    }
    const { body, tty } = await this.#logs(id, options, false);
    if (body === undefined) return;
    try {
      yield* dockerLogsToOutput(body, tty);
    } catch (err) {
      if (!options.signal?.aborted) throw fromDockerError(err, "container", `logs of container "${id}"`);
    } finally {
      body.destroy();
    }
  }

  /**
   * The log API's response body (destroyed when the signal aborts; none for tailLines 0) and
   * whether the container has a TTY.
   */
  async #logs(
    id: string,
    options: Omit<LogOptions, "limitBytes">,
    timestamps: boolean,
  ): Promise<{ body: Readable | undefined; tty: boolean }> {
    const inspect = (await this.inspectOwn(id, TYPE_CONTAINER)) as DockerInspect & {
      Config: { Tty?: boolean };
    };
    const tty = inspect.Config.Tty === true;
    if (options.tailLines !== undefined && options.tailLines <= 0) return { body: undefined, tty };
    const query: Record<string, unknown> = {
      stdout: true,
      stderr: true,
      timestamps,
      follow: options.follow === true,
      tail: options.tailLines === undefined ? "all" : String(Math.floor(options.tailLines)),
    };
    if (options.sinceTimeNanos !== undefined && options.sinceTimeNanos > 0n) {
      query["since"] = dockerSince(options.sinceTimeNanos);
    }
    const body = await this.call(
      "container",
      `logs of container "${id}"`,
      () =>
        new Promise<Readable>((resolve, reject) => {
          this.docker.modem.dial(
            {
              path: `/containers/${encodeURIComponent(inspect.Id)}/logs?`,
              method: "GET",
              isStream: true,
              statusCodes: { 200: true, 404: "no such container", 500: "server error" },
              options: query,
            },
            (err: unknown, stream: unknown) => (err ? reject(err) : resolve(stream as Readable)),
          );
        }),
    );
    const signal = options.signal;
    if (signal?.aborted) body.destroy();
    else if (signal) {
      const abort = (): void => void body.destroy();
      signal.addEventListener("abort", abort, { once: true });
      body.once("close", () => signal.removeEventListener("abort", abort));
    }
    return { body, tty };
  }

  // ---- stats ---------------------------------------------------------------------------------

  async containerStats(id: string): Promise<ContainerStats> {
    await this.inspectOwn(id, TYPE_CONTAINER);
    return this.statsRaw(id);
  }

  async listContainerStats(filter: ContainerFilter = {}): Promise<ContainerStats[]> {
    const containers = await this.listContainers({ ...filter, state: filter.state ?? "running" });
    const stats = await Promise.all(containers.map((c) => this.statsRaw(c.id).catch(() => undefined)));
    return stats.filter((s): s is ContainerStats => s !== undefined);
  }

  async podSandboxStats(id: string): Promise<PodSandboxStats> {
    const sandbox = await this.inspectOwn(id, TYPE_SANDBOX);
    const [pause, containers] = await Promise.all([
      this.statsRaw(sandbox.Id),
      this.listContainerStats({ podSandboxId: sandbox.Id }),
    ]);
    return sandboxStatsFrom(sandbox.Id, pause, containers);
  }

  // ---- images --------------------------------------------------------------------------------

  async pullImage(image: string, auth?: AuthConfig): Promise<string> {
    return images.pullImage(this.docker, image, auth);
  }

  imageStatus(image: string): Promise<Image | undefined> {
    return images.imageStatus(this.docker, image);
  }

  listImages(): Promise<Image[]> {
    return images.listImages(this.docker);
  }

  removeImage(image: string): Promise<void> {
    return images.removeImage(this.docker, image);
  }

  imageFsInfo(): Promise<ImageFsInfo> {
    return images.imageFsInfo(this.docker);
  }

  async close(): Promise<void> {
    this.lists.close();
    this.agent.destroy();
  }

  // ---- helpers -------------------------------------------------------------------------------

  private async call<T>(subject: Subject, what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw fromDockerError(err, subject, what);
    }
  }

  /** Inspects a container and checks that it is a sandbox (or app container) of this adapter. */
  private async inspectOwn(
    id: string,
    type: typeof TYPE_SANDBOX | typeof TYPE_CONTAINER,
  ): Promise<DockerInspect> {
    const subject = type === TYPE_SANDBOX ? "sandbox" : "container";
    if (id === "") throw new BerthError(ErrorCode.NotFound, `${subject} id must not be empty`);
    const inspect = (await this.call(subject, `${subject} "${id}"`, () =>
      this.docker.getContainer(id).inspect(),
    )) as unknown as DockerInspect;
    if (decodeLabels(inspect.Config.Labels).internal.type !== type) {
      throw new BerthError(
        ErrorCode.NotFound,
        `${subject} "${id}" not found (a Docker container not managed as one)`,
      );
    }
    return inspect;
  }

  /**
   * A sandbox's full id and its app containers. The ids this adapter hands out are full ones, and
   * its containers carry that id in a label, so one list call finds them; a short id is first
   * resolved (and checked to be a sandbox) by inspecting it.
   */
  private async sandboxMembers(id: string): Promise<{ sandboxId: string; members: DockerSummary[] }> {
    const sandboxId = FULL_ID.test(id) ? id : (await this.inspectOwn(id, TYPE_SANDBOX)).Id;
    const members = await this.listRaw(TYPE_CONTAINER, { [internalKey("sandboxId")]: sandboxId });
    return { sandboxId, members };
  }

  /** Runs a change to Docker's containers; the kept lists go after it, so the next list sees it. */
  private async change<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } finally {
      this.lists.forget();
    }
  }

  /**
   * The relist's reading of one Docker list (summarize), kept between Docker's events (ListCache):
   * keyed by what Docker is asked, which with the type determines the caller's whole filter.
   */
  private listSummaries(
    type: string,
    labels: Labels,
    filter: Parameters<typeof summarize>[1],
  ): Promise<readonly ListedSummary[]> {
    const key = [
      type,
      filter.id ?? "",
      ...Object.entries(labels)
        .map(([k, v]) => `${k}=${v}`)
        .sort(),
    ];
    return this.lists.get(key.join("\n"), async () =>
      summarize(await this.listRaw(type, labels, filter.id), filter),
    );
  }

  /** Docker's events for the adapter's containers that change what a list shows (ListCache). */
  private async stateEvents(sinceSeconds: number, signal: AbortSignal): Promise<Readable> {
    const options = {
      since: sinceSeconds,
      filters: { type: ["container" as const], event: [...STATE_ACTIONS], label: [internalKey("type")] },
      abortSignal: signal,
    };
    const stream = (await this.docker.getEvents(options)) as unknown as IncomingMessage;
    // The stream lasts as long as the adapter; it must not keep a process alive on its own.
    stream.socket?.unref();
    return stream;
  }

  private async listRaw(type: string, labels: Labels, id?: string): Promise<DockerSummary[]> {
    const filters: Record<string, string[]> = {
      label: [`${internalKey("type")}=${type}`, ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)],
    };
    // Docker matches an id filter anywhere in the id (a regular expression); callers keep prefixes only.
    if (id !== undefined) filters["id"] = [id];
    return (await this.call("daemon", `list ${type}s`, () =>
      this.docker.listContainers({ all: true, filters }),
    )) as unknown as DockerSummary[];
  }

  private async stopRaw(id: string, seconds: number, subject: Subject): Promise<void> {
    try {
      await this.docker.getContainer(id).stop({ t: seconds });
    } catch (err) {
      if (isNotModified(err)) return;
      throw fromDockerError(err, subject, `stop ${subject} "${id}"`);
    }
  }

  private async removeRaw(id: string, subject: Subject): Promise<void> {
    try {
      await this.docker.getContainer(id).remove({ force: true });
    } catch (err) {
      // Gone already, or being removed by a concurrent call: either way it will not exist.
      if (isDockerNotFound(err) || (err as { statusCode?: number }).statusCode === 409) return;
      throw fromDockerError(err, subject, `remove ${subject} "${id}"`);
    }
  }

  private async statsRaw(id: string): Promise<ContainerStats> {
    const stats = (await this.call("container", `stats of "${id}"`, () =>
      this.docker.getContainer(id).stats({ stream: false, "one-shot": true } as { stream: false }),
    )) as DockerStats;
    return containerStatsFrom(id, stats, this.now());
  }
}

export function createDockerRuntime(options: DockerRuntimeOptions): ContainerRuntime {
  return new DockerRuntime(options);
}
