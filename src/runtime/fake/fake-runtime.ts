import type { Duplex } from "node:stream";
import { createHash, randomBytes } from "node:crypto";
import { join } from "node:path";
import {
  BerthError,
  ErrorCode,
  effectiveTag,
  normalizedImage,
  parseImageReference,
  systemClock,
  type Clock,
} from "../../common/index.js";
import type { ContainerRuntime } from "../runtime.js";
import type {
  AuthConfig,
  Container,
  ContainerConfig,
  LinuxContainerSecurity,
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
  LogStream,
  PodSandbox,
  PodSandboxConfig,
  PodSandboxFilter,
  PodSandboxStats,
  PodSandboxStatus,
  RuntimeStatus,
  RuntimeVersion,
  SandboxState,
} from "../types.js";
import { listedState } from "../labels.js";
import { FakeProcess } from "./fake-process.js";
import {
  FakeState,
  type ContainerRecord,
  type FakeExecHandler,
  type FakeExecResult,
  type RegistryImage,
  type SandboxRecord,
} from "./fake-state.js";
import { Interrupted, runScript, type Outcome, type ScriptHost } from "./interpreter.js";
import { LogBuffer } from "./log-buffer.js";
import { containerArgv, parseArgv } from "./program.js";
import { linesToOutput } from "../log-output.js";

export const FAKE_RUNTIME_NAME = "fake";
export const FAKE_RUNTIME_VERSION = "0.1.0";
/** CPU a running fake container is reported to use, in millicores. */
export const FAKE_CPU_MILLICORES = 10;
/** Memory a running fake container is reported to use unless set by setMemoryUsage(). */
export const FAKE_MEMORY_BYTES = 4 * 1024 * 1024;
/** Exit code of a process killed by SIGKILL (128 + 9). */
const EXIT_SIGKILL = 137;
/** Exit code of a program that exits on SIGTERM without a handler of its own (128 + 15). */
const EXIT_SIGTERM = 143;
/** cgroup v1 "no limit" memory value on 4 KiB pages (PAGE_COUNTER_MAX * 4096). */
const CGROUP_NO_MEMORY_LIMIT = "9223372036854771712";

/** What pullAny fetches for a reference the registry does not list. */
const OPEN_IMAGE: RegistryImage = { user: "", size: 1_000_000 };

export interface FakeImageOptions {
  /** The image's configured user ("" is root). */
  readonly user?: string;
  readonly size?: number;
}

export interface FakeRegistryImageOptions extends FakeImageOptions {
  /** The registry demands these credentials for the pull. */
  readonly credentials?: { readonly username: string; readonly password: string };
}

/** The mount point the fake runtime reports for its images. */
export const FAKE_IMAGE_FS = "/fake-runtime/images";

export interface FakeRuntimeOptions {
  readonly clock?: Clock;
  /** Images present from the start. */
  readonly images?: readonly string[];
  /** Share another instance's daemon state (an agent reconnecting to the same runtime). */
  readonly state?: FakeState;
  /**
   * Every well-formed reference not in the registry pulls without credentials, as a hollow node
   * running arbitrary pod specs needs. Registry entries (credentials) and scripted failures still
   * apply. Ignored when `state` is given.
   */
  readonly pullAny?: boolean;
}

/** Images are keyed by their normalised reference, as a registry and the Docker CLI read it. */
function imageKey(image: string): string {
  return normalizedImage(parseImageReference(image));
}

function notFound(kind: string, id: string): BerthError {
  return new BerthError(ErrorCode.NotFound, `${kind} ${JSON.stringify(id)} not found`, {
    details: { kind, id },
  });
}

function newId(): string {
  return randomBytes(32).toString("hex");
}

function matchesLabels(labels: Labels, selector: Labels | undefined): boolean {
  if (!selector) return true;
  for (const [key, value] of Object.entries(selector)) if (labels[key] !== value) return false;
  return true;
}

function sandboxKey(config: PodSandboxConfig): string {
  const m = config.metadata;
  return `${m.name}_${m.namespace}_${m.uid}_${m.attempt}`;
}

function containerKey(sandboxId: string, config: ContainerConfig): string {
  return `${sandboxId}/${config.metadata.name}/${config.metadata.attempt}`;
}

function exitReason(code: number): string {
  return code === 0 ? "Completed" : "Error";
}

/**
 * An in-memory ContainerRuntime with the real ones' contract (idempotent stop and remove,
 * NotFound, AlreadyExists, ImageNotFound, InvalidImageName, Unauthorized, RuntimeUnavailable),
 * driven by an injected Clock. Containers "run" their command through a small model of busybox
 * (see program.ts); test controls below make them exit, OOM, answer exec, fail pulls, or take
 * the whole runtime away and back. Exec ignores stdin, tty and resize: output comes from the
 * model or from setExecResult().
 */
export class FakeRuntime implements ContainerRuntime {
  readonly name = FAKE_RUNTIME_NAME;
  readonly state: FakeState;
  readonly #clock: Clock;
  #closed = false;

  constructor(options: FakeRuntimeOptions = {}) {
    this.state = options.state ?? new FakeState(options.clock ?? systemClock, options.pullAny ?? false);
    this.#clock = this.state.clock;
    for (const image of options.images ?? []) this.addImage(image);
  }

  /** A second client of the same daemon, as a restarted agent would open. */
  newInstance(): FakeRuntime {
    return new FakeRuntime({ state: this.state });
  }

  // ---- test controls -------------------------------------------------------------------------

  /** Takes the runtime away (calls fail with RuntimeUnavailable) or brings it back. */
  setAvailable(available: boolean): void {
    this.state.available = available;
  }

  setNetworkReady(ready: boolean): void {
    this.state.networkReady = ready;
  }

  /** Makes an image present, as if pulled or loaded. Returns its id. */
  addImage(image: string, options: FakeImageOptions = {}): string {
    const ref = parseImageReference(image);
    const normalized = normalizedImage(ref);
    const existing = this.state.images.get(normalized);
    if (existing) return existing.id;
    const digest = createHash("sha256").update(normalized).digest("hex");
    const img: Image = {
      id: `sha256:${digest}`,
      repoTags: effectiveTag(ref) !== undefined ? [normalized] : [],
      repoDigests: [`${ref.repository}@sha256:${digest}`],
      size: options.size ?? 1_000_000,
      user: options.user ?? "",
      ...(/^\d+(:\d+)?$/.test(options.user ?? "")
        ? { uid: Number.parseInt(options.user as string, 10) }
        : {}),
    };
    this.state.images.set(normalized, img);
    return img.id;
  }

  /** Puts an image in the (fake) registry, so that pullImage can fetch it. */
  addRegistryImage(image: string, options: FakeRegistryImageOptions = {}): void {
    this.state.registry.set(imageKey(image), {
      user: options.user ?? "",
      size: options.size ?? 1_000_000,
      ...(options.credentials ? { credentials: options.credentials } : {}),
    });
  }

  /** The next `times` pulls of `image` fail with `error`. */
  failPulls(image: string, error: BerthError, times = Number.POSITIVE_INFINITY): void {
    this.state.pullFailures.set(imageKey(image), { error, remaining: times });
  }

  clearPullFailures(image: string): void {
    this.state.pullFailures.delete(imageKey(image));
  }

  /** The container's process exits now with `exitCode`. */
  exitContainer(id: string, exitCode: number): void {
    const rec = this.#container(id);
    this.#finish(rec, exitCode, exitReason(exitCode));
  }

  /** The kernel OOM-kills the container now. */
  oomKill(id: string): void {
    const rec = this.#container(id);
    this.#finish(rec, EXIT_SIGKILL, "OOMKilled");
  }

  /** Exec in this container answers from `handler` (or with `result`) instead of modelling the command. */
  setExecResult(id: string, result: FakeExecResult | FakeExecHandler): void {
    const rec = this.#container(id);
    rec.exec = typeof result === "function" ? result : () => result;
  }

  /** Reported memory usage of a container. */
  setMemoryUsage(id: string, bytes: number): void {
    this.#container(id).memoryBytes = bytes;
  }

  /** Appends output to a container's log as its process would. */
  writeLog(id: string, stream: LogStream, text: string): void {
    this.#container(id).logs.append(this.#clock.nowNanos(), stream, text);
  }

  /**
   * The cgroupfs files the container's resources would produce, keyed "controller/file", and
   * the parent cgroup they sit under (what a real runtime writes under /sys/fs/cgroup).
   */
  cgroupFiles(id: string): { parent: string; files: Record<string, string> } {
    const rec = this.#container(id);
    const sandbox = this.state.sandboxes.get(rec.sandboxId);
    const r = rec.config.resources ?? {};
    return {
      parent: sandbox?.config.cgroupParent ?? "",
      files: {
        "cpu/cpu.shares": String(r.cpuShares ?? 1024),
        "cpu/cpu.cfs_period_us": String(r.cpuPeriod ?? 100000),
        "cpu/cpu.cfs_quota_us": String(r.cpuQuota !== undefined && r.cpuQuota > 0 ? r.cpuQuota : -1),
        "memory/memory.limit_in_bytes":
          r.memoryLimitBytes !== undefined && r.memoryLimitBytes > 0
            ? String(Math.ceil(r.memoryLimitBytes / 4096) * 4096)
            : CGROUP_NO_MEMORY_LIMIT,
        ...(r.cpusetCpus !== undefined ? { "cpuset/cpuset.cpus": r.cpusetCpus } : {}),
      },
    };
  }

  // ---- identity ------------------------------------------------------------------------------

  async version(): Promise<RuntimeVersion> {
    this.#check();
    return { runtimeName: FAKE_RUNTIME_NAME, runtimeVersion: FAKE_RUNTIME_VERSION, runtimeApiVersion: "v1" };
  }

  async updatePodCidr(podCidr: string): Promise<void> {
    this.#check();
    this.state.podCidr = podCidr;
    await Promise.resolve();
  }

  async status(): Promise<RuntimeStatus> {
    this.#check();
    const net = this.state.networkReady;
    return {
      conditions: [
        { type: "RuntimeReady", status: true, reason: "", message: "" },
        {
          type: "NetworkReady",
          status: net,
          reason: net ? "" : "NetworkPluginNotReady",
          message: net ? "" : "network plugin is not ready",
        },
      ],
    };
  }

  // ---- sandboxes -----------------------------------------------------------------------------

  async runPodSandbox(config: PodSandboxConfig): Promise<string> {
    this.#check();
    const m = config.metadata;
    if (!m.name || !m.namespace || !m.uid) {
      throw new BerthError(ErrorCode.Invalid, "sandbox metadata needs name, namespace and uid");
    }
    const key = sandboxKey(config);
    const holder = this.state.sandboxNames.get(key);
    if (holder !== undefined) {
      throw new BerthError(ErrorCode.AlreadyExists, `sandbox name ${key} is reserved for ${holder}`, {
        details: { id: holder },
      });
    }
    const id = newId();
    this.state.sandboxNames.set(key, id);
    this.state.sandboxes.set(id, {
      id,
      config,
      state: "ready",
      createdAt: this.#clock.nowNanos(),
      ip: config.namespaceOptions.network === "NODE" ? "" : this.state.allocateIp(),
      listeners: new Map(),
    });
    return id;
  }

  async stopPodSandbox(id: string): Promise<void> {
    this.#check();
    const sandbox = this.#sandbox(id);
    for (const rec of this.state.containers.values()) {
      if (rec.sandboxId === id && rec.state === "running") this.#finish(rec, EXIT_SIGKILL, "Error");
    }
    sandbox.state = "notready";
  }

  async removePodSandbox(id: string): Promise<void> {
    this.#check();
    if (!this.state.sandboxes.has(id)) return;
    for (const rec of [...this.state.containers.values()]) {
      if (rec.sandboxId === id) this.#remove(rec);
    }
    const sandbox = this.state.sandboxes.get(id);
    if (sandbox) this.state.sandboxNames.delete(sandboxKey(sandbox.config));
    this.state.sandboxes.delete(id);
  }

  async podSandboxStatus(id: string): Promise<PodSandboxStatus> {
    this.#check();
    const s = this.#sandbox(id);
    return {
      ...this.#sandboxView(s),
      ip: s.state === "ready" ? s.ip : "",
      additionalIps: [],
      namespaceOptions: s.config.namespaceOptions,
    };
  }

  async listPodSandboxStates(filter?: PodSandboxFilter): Promise<ListedState<SandboxState>[]> {
    return (await this.listPodSandboxes(filter)).map(listedState);
  }

  async listPodSandboxes(filter: PodSandboxFilter = {}): Promise<PodSandbox[]> {
    this.#check();
    const out: PodSandbox[] = [];
    for (const s of this.state.sandboxes.values()) {
      if (filter.id !== undefined && !s.id.startsWith(filter.id)) continue;
      if (filter.state !== undefined && s.state !== filter.state) continue;
      if (!matchesLabels(s.config.labels, filter.labelSelector)) continue;
      out.push(this.#sandboxView(s));
    }
    return out;
  }

  // ---- containers ----------------------------------------------------------------------------

  async createContainer(
    podSandboxId: string,
    config: ContainerConfig,
    sandboxConfig: PodSandboxConfig,
  ): Promise<string> {
    this.#check();
    const sandbox = this.#sandbox(podSandboxId);
    if (!config.metadata.name) throw new BerthError(ErrorCode.Invalid, "container metadata needs a name");
    const image = this.#presentImage(config.image.image);
    const key = containerKey(podSandboxId, config);
    const holder = this.state.containerNames.get(key);
    if (holder !== undefined) {
      throw new BerthError(
        ErrorCode.AlreadyExists,
        `container name ${config.metadata.name} attempt ${config.metadata.attempt} is reserved for ${holder}`,
        { details: { id: holder } },
      );
    }
    const id = newId();
    this.state.containerNames.set(key, id);
    this.state.containers.set(id, {
      id,
      sandboxId: sandbox.id,
      config,
      logDirectory: sandboxConfig.logDirectory || sandbox.config.logDirectory,
      imageRef: image.id,
      state: "created",
      createdAt: this.#clock.nowNanos(),
      startedAt: 0n,
      finishedAt: 0n,
      exitCode: 0,
      reason: "",
      message: "",
      logs: new LogBuffer(),
    });
    return id;
  }

  async startContainer(id: string): Promise<void> {
    this.#check();
    const rec = this.#container(id);
    if (rec.state !== "created") {
      throw new BerthError(ErrorCode.Conflict, `container ${id} is ${rec.state}, not created`, {
        details: { id, state: rec.state },
      });
    }
    const sandbox = this.#sandbox(rec.sandboxId);
    if (sandbox.state !== "ready") {
      throw new BerthError(ErrorCode.Conflict, `sandbox ${sandbox.id} is not ready`, { details: { id } });
    }
    rec.state = "running";
    rec.startedAt = this.#clock.nowNanos();
    rec.exited = new Promise<void>((resolve) => (rec.markExited = resolve));
    const ports: number[] = [];
    const proc = new FakeProcess({
      clock: this.#clock,
      write: (stream, text) => rec.logs.append(this.#clock.nowNanos(), stream, text),
      isListening: (port) => (sandbox.listeners.get(port) ?? 0) > 0,
      listen: (port) => {
        ports.push(port);
        sandbox.listeners.set(port, (sandbox.listeners.get(port) ?? 0) + 1);
      },
      memoryLimitBytes: rec.config.resources?.memoryLimitBytes,
      user: processUser(rec.config.security),
    });
    rec.process = proc;
    const releasePorts = (): void => {
      for (const port of ports.splice(0)) {
        const n = (sandbox.listeners.get(port) ?? 1) - 1;
        if (n > 0) sandbox.listeners.set(port, n);
        else sandbox.listeners.delete(port);
      }
    };
    void rec.exited.then(releasePorts);
    const script = parseArgv(containerArgv(rec.config.command, rec.config.args));
    void this.#runMain(rec, proc, () => runScript(script, proc));
  }

  async #runMain(rec: ContainerRecord, proc: FakeProcess, run: () => Promise<Outcome>): Promise<void> {
    let outcome: Outcome;
    try {
      outcome = await run();
      if (outcome.kind === "terminated") {
        if (!outcome.trap) {
          this.#finish(rec, EXIT_SIGTERM, "Error");
          return;
        }
        const after = await runScript(outcome.trap, proc);
        outcome = after.kind === "terminated" ? { kind: "exit", code: EXIT_SIGTERM } : after;
      }
    } catch (err) {
      if (err instanceof Interrupted) return; // killed: #finish already ran
      throw err;
    }
    if (outcome.kind === "oom") this.#finish(rec, EXIT_SIGKILL, "OOMKilled");
    else if (outcome.kind === "exit") this.#finish(rec, outcome.code, exitReason(outcome.code));
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    this.#check();
    const rec = this.#container(id);
    if (rec.state !== "running" || !rec.process) return;
    rec.process.term();
    if (timeoutSeconds > 0) {
      const timer = new AbortController();
      await Promise.race([
        rec.exited,
        this.#clock.sleep(timeoutSeconds * 1000, timer.signal).catch(() => undefined),
      ]);
      timer.abort();
    } else {
      // Let a process that handles SIGTERM instantly still be killed: 0 means no grace.
      await Promise.resolve();
    }
    if (rec.state === "running") this.#finish(rec, EXIT_SIGKILL, "Error");
  }

  async removeContainer(id: string): Promise<void> {
    this.#check();
    const rec = this.state.containers.get(id);
    if (rec) this.#remove(rec);
  }

  async containerStatus(id: string): Promise<ContainerStatus> {
    this.#check();
    const rec = this.#container(id);
    return {
      ...this.#containerView(rec),
      startedAt: rec.startedAt,
      finishedAt: rec.finishedAt,
      exitCode: rec.exitCode,
      reason: rec.reason,
      message: rec.message,
      mounts: rec.config.mounts,
      logPath: join(rec.logDirectory, rec.config.logPath),
    };
  }

  async listContainerStates(filter?: ContainerFilter): Promise<ListedState<ContainerState>[]> {
    return (await this.listContainers(filter)).map(listedState);
  }

  async listContainers(filter: ContainerFilter = {}): Promise<Container[]> {
    this.#check();
    const out: Container[] = [];
    for (const c of this.state.containers.values()) {
      if (filter.id !== undefined && !c.id.startsWith(filter.id)) continue;
      if (filter.state !== undefined && c.state !== filter.state) continue;
      if (filter.podSandboxId !== undefined && c.sandboxId !== filter.podSandboxId) continue;
      if (!matchesLabels(c.config.labels, filter.labelSelector)) continue;
      out.push(this.#containerView(c));
    }
    return out;
  }

  // ---- exec ----------------------------------------------------------------------------------

  async execSync(id: string, cmd: readonly string[], timeoutSeconds: number): Promise<ExecSyncResult> {
    this.#check();
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    const exitCode = await this.#exec(id, cmd, timeoutSeconds, undefined, (stream, data) =>
      (stream === "stdout" ? stdout : stderr).push(data),
    );
    return { stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr), exitCode };
  }

  async exec(id: string, options: ExecStreamOptions): Promise<ExecStreamResult> {
    this.#check();
    const exitCode = await this.#exec(id, options.cmd, 0, options.signal, (stream, data) => {
      const target = stream === "stdout" ? options.stdout : (options.stderr ?? options.stdout);
      target?.write(data);
    });
    return { exitCode };
  }

  async #exec(
    id: string,
    cmd: readonly string[],
    timeoutSeconds: number,
    signal: AbortSignal | undefined,
    write: (stream: LogStream, data: Buffer) => void,
  ): Promise<number> {
    const rec = this.#container(id);
    if (rec.state !== "running") {
      throw new BerthError(ErrorCode.Conflict, `container ${id} is not running`, { details: { id } });
    }
    if (cmd.length === 0) throw new BerthError(ErrorCode.Invalid, "exec needs a command");
    const sandbox = this.#sandbox(rec.sandboxId);
    const cancel = new AbortController();
    let timedOut = false;
    const timer = new AbortController();
    if (timeoutSeconds > 0) {
      this.#clock.sleep(timeoutSeconds * 1000, timer.signal).then(
        () => {
          timedOut = true;
          cancel.abort();
        },
        () => undefined,
      );
    }
    const onAbort = (): void => cancel.abort();
    signal?.addEventListener("abort", onAbort, { once: true });
    const wait = async (ms: number): Promise<void> => {
      try {
        await this.#clock.sleep(ms, cancel.signal);
      } catch {
        throw new Interrupted("exec cancelled");
      }
    };
    try {
      const scripted = rec.exec?.(cmd);
      if (scripted) {
        if (scripted.durationMs) await wait(scripted.durationMs);
        if (scripted.stdout !== undefined) write("stdout", Buffer.from(scripted.stdout));
        if (scripted.stderr !== undefined) write("stderr", Buffer.from(scripted.stderr));
        return scripted.exitCode ?? 0;
      }
      const host: ScriptHost = {
        wait,
        write: (stream, text) => write(stream, Buffer.from(text)),
        isListening: (port) => (sandbox.listeners.get(port) ?? 0) > 0,
        listen: () => undefined,
        memoryLimitBytes: rec.config.resources?.memoryLimitBytes,
        user: processUser(rec.config.security),
        terminating: false,
      };
      const outcome = await runScript(parseArgv(cmd), host);
      if (outcome.kind === "exit") return outcome.code;
      return outcome.kind === "oom" ? EXIT_SIGKILL : EXIT_SIGTERM;
    } catch (err) {
      if (err instanceof Interrupted && timedOut) {
        throw new BerthError(
          ErrorCode.DeadlineExceeded,
          `exec in container ${id} did not finish within ${timeoutSeconds}s`,
          { details: { id, timeoutSeconds } },
        );
      }
      if (err instanceof Interrupted) {
        throw new BerthError(ErrorCode.Timeout, `exec in container ${id} was cancelled`, { cause: err });
      }
      throw err;
    } finally {
      timer.abort();
      signal?.removeEventListener("abort", onAbort);
    }
  }

  // ---- logs ----------------------------------------------------------------------------------

  /** The fake's processes take no input: attach relays what the container writes from now on. */
  async attach(id: string, options: AttachStreamOptions): Promise<void> {
    this.#check();
    const rec = this.#container(id);
    const since = this.#clock.nowNanos();
    for await (const line of rec.logs.read({
      follow: true,
      sinceTimeNanos: since,
      ...(options.signal ? { signal: options.signal } : {}),
    })) {
      const target = line.stream === "stdout" || options.tty ? options.stdout : options.stderr;
      target?.write(line.full ? Buffer.concat([line.content, Buffer.from("\n")]) : line.content);
    }
  }

  reopenContainerLog(id: string): Promise<void> {
    this.#check();
    this.#container(id);
    return Promise.reject(new BerthError(ErrorCode.Unsupported, "the fake runtime keeps logs in memory"));
  }

  portForward(podSandboxId: string): Promise<Duplex> {
    this.#check();
    this.#sandbox(podSandboxId);
    return Promise.reject(
      new BerthError(ErrorCode.Unsupported, "port-forward: the fake runtime has no network namespaces"),
    );
  }

  readLogs(id: string, options: LogOptions = {}): AsyncIterable<LogLine> {
    this.#check();
    const rec = this.#container(id);
    return rec.logs.read(options);
  }

  readLogOutput(id: string, options: LogOutputOptions = {}): AsyncIterable<Buffer> {
    const { timestamps, ...read } = options;
    return linesToOutput(this.readLogs(id, read), { timestamps: timestamps === true });
  }

  // ---- stats ---------------------------------------------------------------------------------

  async containerStats(id: string): Promise<ContainerStats> {
    this.#check();
    return this.#stats(this.#container(id));
  }

  async listContainerStats(filter: ContainerFilter = {}): Promise<ContainerStats[]> {
    const list = await this.listContainers(filter);
    return list.map((c) => this.#stats(this.#container(c.id)));
  }

  async podSandboxStats(id: string): Promise<PodSandboxStats> {
    this.#check();
    this.#sandbox(id);
    const containers = [...this.state.containers.values()]
      .filter((c) => c.sandboxId === id)
      .map((c) => this.#stats(c));
    return {
      id,
      timestamp: this.#clock.nowNanos(),
      cpuUsageCoreNanoSeconds: containers.reduce((sum, c) => sum + c.cpuUsageCoreNanoSeconds, 0n),
      memoryWorkingSetBytes: containers.reduce((sum, c) => sum + c.memoryWorkingSetBytes, 0),
      containers,
    };
  }

  #stats(rec: ContainerRecord): ContainerStats {
    const now = this.#clock.nowNanos();
    const end = rec.state === "running" ? now : rec.finishedAt;
    const ran = rec.startedAt > 0n && end > rec.startedAt ? end - rec.startedAt : 0n;
    const memory = rec.state === "running" ? (rec.memoryBytes ?? FAKE_MEMORY_BYTES) : 0;
    return {
      id: rec.id,
      timestamp: now,
      cpuUsageCoreNanoSeconds: (ran * BigInt(FAKE_CPU_MILLICORES)) / 1000n,
      memoryWorkingSetBytes: memory,
      memoryUsageBytes: memory,
    };
  }

  // ---- images --------------------------------------------------------------------------------

  async pullImage(image: string, auth?: AuthConfig): Promise<string> {
    this.#check();
    const key = imageKey(image);
    const failure = this.state.pullFailures.get(key);
    if (failure && failure.remaining > 0) {
      failure.remaining--;
      if (failure.remaining <= 0) this.state.pullFailures.delete(key);
      throw failure.error;
    }
    const remote = this.state.registry.get(key) ?? (this.state.pullAny ? OPEN_IMAGE : undefined);
    if (!remote) {
      throw new BerthError(ErrorCode.ImageNotFound, `image ${image} not found in its registry`, {
        details: { image },
      });
    }
    if (remote.credentials && !credentialsMatch(remote.credentials, auth)) {
      throw new BerthError(
        ErrorCode.Unauthorized,
        `pulling ${image}: the registry requires authentication (401 Unauthorized)`,
        { details: { image } },
      );
    }
    return this.addImage(image, { user: remote.user, size: remote.size });
  }

  async imageStatus(image: string): Promise<Image | undefined> {
    this.#check();
    return this.#findImage(image);
  }

  async listImages(): Promise<Image[]> {
    this.#check();
    return [...this.state.images.values()];
  }

  async removeImage(image: string): Promise<void> {
    this.#check();
    const found = this.#findImage(image);
    if (!found) return;
    for (const [key, img] of this.state.images) if (img.id === found.id) this.state.images.delete(key);
  }

  /** The fake's image store "lives" at FAKE_IMAGE_FS; the bytes are the images' sizes. */
  async imageFsInfo(): Promise<ImageFsInfo> {
    this.#check();
    let usedBytes = 0;
    for (const img of new Map([...this.state.images.values()].map((i) => [i.id, i])).values())
      usedBytes += img.size;
    return { mountpoint: FAKE_IMAGE_FS, usedBytes };
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  // ---- internals -----------------------------------------------------------------------------

  #check(): void {
    if (this.#closed) throw new BerthError(ErrorCode.RuntimeUnavailable, "fake runtime client is closed");
    if (!this.state.available) {
      throw new BerthError(ErrorCode.RuntimeUnavailable, "fake runtime is unavailable (daemon stopped)");
    }
  }

  #sandbox(id: string): SandboxRecord {
    const s = this.state.sandboxes.get(id);
    if (!s) throw notFound("sandbox", id);
    return s;
  }

  #container(id: string): ContainerRecord {
    const c = this.state.containers.get(id);
    if (!c) throw notFound("container", id);
    return c;
  }

  #findImage(image: string): Image | undefined {
    if (/^sha256:[0-9a-f]{64}$/.test(image)) {
      for (const img of this.state.images.values()) if (img.id === image) return img;
      return undefined;
    }
    return this.state.images.get(imageKey(image));
  }

  #presentImage(image: string): Image {
    const found = this.#findImage(image);
    if (!found) {
      throw new BerthError(ErrorCode.ImageNotFound, `image ${image} is not present`, { details: { image } });
    }
    return found;
  }

  #finish(rec: ContainerRecord, exitCode: number, reason: string): void {
    if (rec.state === "created") {
      throw new BerthError(ErrorCode.Conflict, `container ${rec.id} was never started`);
    }
    if (rec.state !== "running") return;
    rec.state = "exited";
    rec.exitCode = exitCode;
    rec.reason = reason;
    rec.finishedAt = this.#clock.nowNanos();
    rec.process?.kill();
    rec.process = undefined;
    rec.logs.close();
    rec.markExited?.();
    rec.markExited = undefined;
  }

  #remove(rec: ContainerRecord): void {
    if (rec.state === "running") this.#finish(rec, EXIT_SIGKILL, "Error");
    rec.logs.close();
    this.state.containerNames.delete(containerKey(rec.sandboxId, rec.config));
    this.state.containers.delete(rec.id);
  }

  #sandboxView(s: SandboxRecord): PodSandbox {
    return {
      id: s.id,
      metadata: s.config.metadata,
      state: s.state,
      createdAt: s.createdAt,
      labels: s.config.labels,
      annotations: s.config.annotations,
    };
  }

  #containerView(c: ContainerRecord): Container {
    return {
      id: c.id,
      podSandboxId: c.sandboxId,
      metadata: c.config.metadata,
      image: c.config.image,
      imageRef: c.imageRef,
      state: c.state,
      createdAt: c.createdAt,
      labels: c.config.labels,
      annotations: c.config.annotations,
    };
  }
}

function credentialsMatch(
  want: { readonly username: string; readonly password: string },
  auth: AuthConfig | undefined,
): boolean {
  if (!auth) return false;
  if (auth.username !== undefined || auth.password !== undefined) {
    return auth.username === want.username && auth.password === want.password;
  }
  if (auth.auth !== undefined) {
    return Buffer.from(auth.auth, "base64").toString() === `${want.username}:${want.password}`;
  }
  return false;
}

/** The user a fake process runs as: runAsUser and runAsGroup, root when not set. */
function processUser(security: LinuxContainerSecurity | undefined): { uid: number; gid: number } {
  return { uid: security?.runAsUser ?? 0, gid: security?.runAsGroup ?? 0 };
}
