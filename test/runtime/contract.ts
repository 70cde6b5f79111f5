/**
 * The one runtime contract suite. Every ContainerRuntime (containerd through CRI, Docker, the
 * in-memory fake) must pass it unchanged; each entry file only says how to reach its runtime.
 * The agent relies on exactly these behaviours: lifecycle and idempotency, exit codes and
 * reasons, graceful stop, OOM reporting, cgroup values, pod networking over localhost, exec,
 * logs, pulls and their errors, surviving a daemon restart, and rebuilding state from labels.
 */
import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { BerthError, ErrorCode, errorMessage, hasCode } from "../../src/common/index.js";
import {
  ANNOTATION_CONTAINER_HASH,
  ANNOTATION_CONTAINER_RESTART_COUNT,
  LABEL_CONTAINER_NAME,
  LABEL_POD_UID,
  containerLabels,
  podRefFromLabels,
  sandboxLabels,
  type ContainerConfig,
  type ContainerRuntime,
  type ContainerStatus,
  type LinuxContainerSecurity,
  type LinuxResources,
  type LogLine,
  type LogOptions,
  type PodRef,
  type PodSandboxConfig,
} from "../../src/runtime/index.js";

export interface ContractImages {
  /** Present on the runtime: busybox with sh, sleep, echo, httpd, wget, tail. */
  readonly test: string;
  /** Pullable from a registry without credentials. */
  readonly pullable: string;
  /** Pullable only with `credentials`. */
  readonly authPullable: string;
  readonly credentials: { readonly username: string; readonly password: string };
  /** Well formed, on a reachable registry, but it does not exist there. */
  readonly missing: string;
}

export interface ContractEnv {
  readonly runtime: ContainerRuntime;
  readonly images: ContractImages;
  /** Creates the pod-level cgroup (the agent's job) and returns the cgroup parent to give the sandbox. */
  createPodCgroup(uid: string): Promise<string>;
  /** Removes it after the sandbox is gone; no error when already gone. */
  removePodCgroup(parent: string): Promise<void>;
  /** A container's cgroup v1 file as the kernel shows it, e.g. ("cpu", "cpu.shares"). */
  readCgroup(parent: string, containerId: string, controller: string, file: string): Promise<string>;
  /** Stops the runtime's daemon; resolves once it is down. */
  stopDaemon(): Promise<void>;
  /** Starts it again; resolves once it answers. */
  startDaemon(): Promise<void>;
  /** A second, independent client of the same runtime (an agent restarted from nothing). */
  newRuntime(): Promise<ContainerRuntime>;
  /** Whether exec() streams; when false it must refuse with Unsupported. */
  readonly streamingExec: boolean;
  /** Releases the runtime client and anything the setup started. */
  teardown(): Promise<void>;
}

const NAMESPACE = "berth-contract";
/** How long a condition may take to show on a slow 2-core machine before the test fails. */
const WAIT_MS = 30_000;
const POLL_MS = 50;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitUntil<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = WAIT_MS,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${errorMessage(lastError)}` : ""}`,
      );
    }
    await sleep(POLL_MS);
  }
}

async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<BerthError> {
  try {
    await promise;
  } catch (err) {
    if (!hasCode(err, code)) {
      throw new Error(
        `expected a BerthError ${code}, got ${err instanceof BerthError ? err.code : "non-BerthError"}: ${errorMessage(err)}`,
        { cause: err },
      );
    }
    return err;
  }
  throw new Error(`expected a BerthError ${code}, but the call succeeded`);
}

async function collect(lines: AsyncIterable<LogLine>): Promise<LogLine[]> {
  const out: LogLine[] = [];
  for await (const line of lines) out.push(line);
  return out;
}

function text(lines: readonly LogLine[]): string[] {
  return lines.map((l) => l.content.toString());
}

/** An RFC 3339 time with up to nine fraction digits, as nanoseconds since the epoch. */
function nanosOf(time: string): bigint {
  const match = /^(.*?)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(time);
  if (!match) throw new Error(`not an RFC 3339 time: ${JSON.stringify(time)}`);
  const seconds = BigInt(Date.parse(`${match[1]}${match[3]}`)) / 1000n;
  return seconds * 1_000_000_000n + BigInt((match[2] ?? "").padEnd(9, "0").slice(0, 9));
}

function randomHexId(): string {
  return randomUUID().replaceAll("-", "") + randomUUID().replaceAll("-", "");
}

/** One pod of the suite: its sandbox config, what it created, and how to clean it all up. */
class TestPod {
  readonly ref: PodRef;
  sandboxId = "";
  readonly containers: string[] = [];

  constructor(
    private readonly env: ContractEnv,
    readonly config: PodSandboxConfig,
    readonly cgroupParent: string,
  ) {
    this.ref = { name: config.metadata.name, namespace: NAMESPACE, uid: config.metadata.uid };
  }

  static async create(env: ContractEnv, prefix: string, attempt = 0): Promise<TestPod> {
    const uid = randomUUID();
    const name = `${prefix}-${uid.slice(0, 8)}`;
    const logDirectory = await mkdtemp(join(tmpdir(), `berth-contract-${name}-`));
    const cgroupParent = await env.createPodCgroup(uid);
    const ref = { name, namespace: NAMESPACE, uid };
    const config: PodSandboxConfig = {
      metadata: { name, namespace: NAMESPACE, uid, attempt },
      hostname: name,
      logDirectory,
      portMappings: [],
      labels: { ...sandboxLabels(ref), "contract.berth.dev/suite": "runtime" },
      annotations: { "contract.berth.dev/note": `pod ${name}` },
      cgroupParent,
      namespaceOptions: { network: "POD", pid: "CONTAINER", ipc: "POD" },
      sysctls: {},
    };
    return new TestPod(env, config, cgroupParent);
  }

  async run(): Promise<string> {
    this.sandboxId = await this.env.runtime.runPodSandbox(this.config);
    return this.sandboxId;
  }

  /** Creates (and by default starts) a container of the test image running `argv`. */
  async container(
    name: string,
    argv: readonly string[],
    options: {
      attempt?: number;
      resources?: LinuxResources;
      security?: LinuxContainerSecurity;
      labels?: Record<string, string>;
      annotations?: Record<string, string>;
      start?: boolean;
      image?: string;
    } = {},
  ): Promise<string> {
    const attempt = options.attempt ?? 0;
    // The agent creates each container's log directory (the kubelet does the same).
    await mkdir(join(this.config.logDirectory, name), { recursive: true });
    const config: ContainerConfig = {
      metadata: { name, attempt },
      image: { image: options.image ?? this.env.images.test },
      command: argv,
      args: [],
      envs: [],
      mounts: [],
      labels: { ...containerLabels(this.ref, name), ...options.labels },
      annotations: {
        [ANNOTATION_CONTAINER_RESTART_COUNT]: String(attempt),
        ...options.annotations,
      },
      logPath: `${name}/${attempt}.log`,
      ...(options.resources ? { resources: options.resources } : {}),
      ...(options.security ? { security: options.security } : {}),
    };
    const id = await this.env.runtime.createContainer(this.sandboxId, config, this.config);
    this.containers.push(id);
    if (options.start ?? true) await this.env.runtime.startContainer(id);
    return id;
  }

  async cleanup(): Promise<void> {
    const rt = this.env.runtime;
    const problems: string[] = [];
    const attempt = async (what: string, fn: () => Promise<unknown>): Promise<void> => {
      try {
        await fn();
      } catch (err) {
        problems.push(`${what}: ${errorMessage(err)}`);
      }
    };
    for (const id of this.containers) {
      await attempt(`stop container ${id}`, () => rt.stopContainer(id, 0).catch(ignoreNotFound));
      await attempt(`remove container ${id}`, () => rt.removeContainer(id));
    }
    if (this.sandboxId) {
      const id = this.sandboxId;
      await attempt(`stop sandbox ${id}`, () => rt.stopPodSandbox(id).catch(ignoreNotFound));
      await attempt(`remove sandbox ${id}`, () => rt.removePodSandbox(id));
    }
    await attempt("remove pod cgroup", () => this.env.removePodCgroup(this.cgroupParent));
    await attempt("remove log directory", () =>
      rm(this.config.logDirectory, { recursive: true, force: true }),
    );
    if (problems.length > 0)
      throw new Error(`cleanup of pod ${this.ref.name} failed: ${problems.join("; ")}`);
  }
}

function ignoreNotFound(err: unknown): void {
  if (!hasCode(err, ErrorCode.NotFound)) throw err;
}

export function runtimeContract(name: string, setup: () => Promise<ContractEnv>): void {
  describe(`runtime contract: ${name}`, () => {
    let env: ContractEnv;
    let rt: ContainerRuntime;
    /** One sandbox shared by the tests that need nothing of their own. */
    let shared: TestPod;

    /** A pod of this test alone, cleaned up when the test ends, pass or fail. */
    async function ownPod(prefix: string): Promise<TestPod> {
      const pod = await TestPod.create(env, prefix);
      onTestFinished(() => pod.cleanup());
      await pod.run();
      return pod;
    }

    /** A container in the shared pod, stopped and removed when the test ends. */
    async function sharedContainer(
      prefix: string,
      argv: readonly string[],
      options: Parameters<TestPod["container"]>[2] = {},
    ): Promise<{ id: string; name: string }> {
      const cname = `${prefix}-${randomUUID().slice(0, 6)}`;
      const id = await shared.container(cname, argv, options);
      onTestFinished(async () => {
        await rt.stopContainer(id, 0).catch(ignoreNotFound);
        await rt.removeContainer(id);
      });
      return { id, name: cname };
    }

    function exited(id: string): Promise<ContainerStatus> {
      return waitUntil(`container ${id} to exit`, async () => {
        const s = await rt.containerStatus(id);
        return s.state === "exited" ? s : undefined;
      });
    }

    function running(id: string): Promise<ContainerStatus> {
      return waitUntil(`container ${id} to run`, async () => {
        const s = await rt.containerStatus(id);
        return s.state === "running" ? s : undefined;
      });
    }

    beforeAll(async () => {
      env = await setup();
      rt = env.runtime;
      shared = await TestPod.create(env, "shared");
      await shared.run();
    });

    afterAll(async () => {
      try {
        if (shared) await shared.cleanup();
      } finally {
        if (env) await env.teardown();
      }
    });

    it("reports its version and a ready runtime", async () => {
      const version = await rt.version();
      expect(version.runtimeName).not.toBe("");
      expect(version.runtimeVersion).not.toBe("");
      const status = await rt.status();
      const ready = status.conditions.find((c) => c.type === "RuntimeReady");
      expect(ready?.status).toBe(true);
    });

    it("runs, lists, stops and removes a sandbox; stop and remove are idempotent", async () => {
      const pod = await TestPod.create(env, "sandbox");
      onTestFinished(() => pod.cleanup());
      const id = await pod.run();

      const status = await rt.podSandboxStatus(id);
      expect(status.id).toBe(id);
      expect(status.state).toBe("ready");
      expect(status.metadata).toEqual(pod.config.metadata);
      expect(status.labels).toMatchObject(pod.config.labels);
      expect(status.annotations).toMatchObject(pod.config.annotations);
      expect(status.createdAt).toBeGreaterThan(0n);
      // A pod network (not the host's): the sandbox has an IPv4 address of its own.
      expect(status.ip).toMatch(/^\d{1,3}(\.\d{1,3}){3}$/);
      expect(status.namespaceOptions.network).toBe("POD");

      const byUid = await rt.listPodSandboxes({ labelSelector: { [LABEL_POD_UID]: pod.ref.uid } });
      expect(byUid.map((s) => s.id)).toEqual([id]);
      expect((await rt.listPodSandboxes({ id })).map((s) => s.id)).toEqual([id]);
      expect((await rt.listPodSandboxes({ state: "ready" })).map((s) => s.id)).toContain(id);
      const otherUid = await rt.listPodSandboxes({ labelSelector: { [LABEL_POD_UID]: randomUUID() } });
      expect(otherUid).toEqual([]);
      // The relist's reduced list names the same sandboxes, each with its state and pod uid.
      expect(await rt.listPodSandboxStates({ labelSelector: { [LABEL_POD_UID]: pod.ref.uid } })).toEqual([
        { id, state: "ready", podUid: pod.ref.uid },
      ]);
      expect(await rt.listPodSandboxStates({ labelSelector: { [LABEL_POD_UID]: randomUUID() } })).toEqual([]);

      await rt.stopPodSandbox(id);
      await rt.stopPodSandbox(id);
      expect((await rt.podSandboxStatus(id)).state).toBe("notready");
      expect((await rt.listPodSandboxes({ state: "notready" })).map((s) => s.id)).toContain(id);
      expect((await rt.listPodSandboxes({ state: "ready" })).map((s) => s.id)).not.toContain(id);
      expect(await rt.listPodSandboxStates({ id })).toEqual([{ id, state: "notready", podUid: pod.ref.uid }]);

      await rt.removePodSandbox(id);
      await rt.removePodSandbox(id);
      await expectCode(rt.podSandboxStatus(id), ErrorCode.NotFound);
      expect(await rt.listPodSandboxes({ labelSelector: { [LABEL_POD_UID]: pod.ref.uid } })).toEqual([]);
    });

    it("refuses a reused sandbox name and attempt with AlreadyExists; the next attempt runs", async () => {
      const pod = await ownPod("reuse");
      await expectCode(rt.runPodSandbox(pod.config), ErrorCode.AlreadyExists);
      const next = { ...pod.config, metadata: { ...pod.config.metadata, attempt: 1 } };
      const second = await rt.runPodSandbox(next);
      onTestFinished(async () => {
        await rt.stopPodSandbox(second).catch(ignoreNotFound);
        await rt.removePodSandbox(second);
      });
      expect(second).not.toBe(pod.sandboxId);
      expect((await rt.podSandboxStatus(second)).metadata.attempt).toBe(1);
    });

    it("answers unknown ids with NotFound", async () => {
      const unknown = randomHexId();
      await expectCode(rt.podSandboxStatus(unknown), ErrorCode.NotFound);
      await expectCode(rt.containerStatus(unknown), ErrorCode.NotFound);
      await expectCode(rt.startContainer(unknown), ErrorCode.NotFound);
      // Removing what is not there is success: the agent's cleanup is level-triggered.
      await rt.removeContainer(unknown);
      await rt.removePodSandbox(unknown);
    });

    it("creates, starts and reaps containers with exit codes and reasons", async () => {
      const ok = await sharedContainer("ok", ["sh", "-c", "exit 0"], { start: false });
      const created = await rt.containerStatus(ok.id);
      expect(created.state).toBe("created");
      expect(created.metadata).toEqual({ name: ok.name, attempt: 0 });
      expect(created.podSandboxId).toBe(shared.sandboxId);
      expect(created.labels[LABEL_CONTAINER_NAME]).toBe(ok.name);
      expect(created.imageRef).not.toBe("");
      await rt.startContainer(ok.id);
      const bad = await sharedContainer("bad", ["sh", "-c", "exit 3"]);

      const okStatus = await exited(ok.id);
      expect(okStatus.exitCode).toBe(0);
      expect(okStatus.reason).toBe("Completed");
      expect(okStatus.startedAt).toBeGreaterThan(0n);
      // containerd stamps startedAt after its start call returns and finishedAt from the exit
      // event, so a process that exits at once may show finishedAt slightly before startedAt.
      expect(okStatus.finishedAt).toBeGreaterThanOrEqual(okStatus.createdAt);
      const badStatus = await exited(bad.id);
      expect(badStatus.exitCode).toBe(3);
      expect(badStatus.reason).toBe("Error");

      const exitedInPod = await rt.listContainers({ podSandboxId: shared.sandboxId, state: "exited" });
      expect(exitedInPod.map((c) => c.id)).toEqual(expect.arrayContaining([ok.id, bad.id]));
      const runningInPod = await rt.listContainers({ podSandboxId: shared.sandboxId, state: "running" });
      expect(runningInPod.map((c) => c.id)).not.toContain(ok.id);
      const byName = await rt.listContainers({ labelSelector: { [LABEL_CONTAINER_NAME]: bad.name } });
      expect(byName.map((c) => c.id)).toEqual([bad.id]);
      expect((await rt.listContainers({ id: ok.id })).map((c) => c.id)).toEqual([ok.id]);
      // The relist's reduced list agrees with the full one under each filter.
      for (const filter of [
        { podSandboxId: shared.sandboxId, state: "exited" as const },
        { podSandboxId: shared.sandboxId },
        { labelSelector: { [LABEL_CONTAINER_NAME]: bad.name } },
        { id: ok.id },
      ]) {
        const full = await rt.listContainers(filter);
        const reduced = await rt.listContainerStates(filter);
        expect(reduced.sort((x, y) => x.id.localeCompare(y.id))).toEqual(
          full
            .map((c) => ({ id: c.id, state: c.state, podUid: c.labels[LABEL_POD_UID] ?? "" }))
            .sort((x, y) => x.id.localeCompare(y.id)),
        );
        expect(reduced.length).toBeGreaterThan(0);
      }

      // Idempotent stop and remove.
      await rt.stopContainer(ok.id, 1);
      await rt.stopContainer(ok.id, 1);
      await rt.removeContainer(ok.id);
      await rt.removeContainer(ok.id);
      await expectCode(rt.containerStatus(ok.id), ErrorCode.NotFound);
      expect(await rt.listContainers({ id: ok.id })).toEqual([]);
    });

    it("refuses a reused container name and attempt in one sandbox with AlreadyExists", async () => {
      const first = await sharedContainer("dup", ["sleep", "3600"], { start: false });
      await expectCode(
        shared.container(first.name, ["sleep", "3600"], { start: false }),
        ErrorCode.AlreadyExists,
      );
    });

    it("refuses a container whose image is not present with ImageNotFound", async () => {
      await expectCode(
        shared.container(`noimage-${randomUUID().slice(0, 6)}`, ["true"], {
          start: false,
          image: env.images.missing,
        }),
        ErrorCode.ImageNotFound,
      );
    });

    it("reports the image's user for the agent's runAsNonRoot check and runs as runAsUser", async () => {
      // The test image sets no user: a uid of 0, or neither a uid nor a name (CRI), means root.
      const image = await rt.imageStatus(env.images.test);
      expect(image).toBeDefined();
      expect(image?.uid === 0 || (image?.uid === undefined && image?.user === "")).toBe(true);
      // runAsNonRoot is the agent's policy, not the runtime's: only the user reaches the runtime.
      const nobody = await sharedContainer("nobody", ["sleep", "3600"], { security: { runAsUser: 65534 } });
      await running(nobody.id);
      const id = await rt.execSync(nobody.id, ["id", "-u"], 10);
      expect(id.stdout.toString().trim()).toBe("65534");
    });

    it("stops a SIGTERM-handling container promptly and kills one ignoring it after the grace period", async () => {
      const graceSeconds = 2;
      const handler = await sharedContainer("trap", [
        "sh",
        "-c",
        "trap 'exit 0' TERM; echo ready; while true; do sleep 0.1; done",
      ]);
      // PID 1 of its namespace without a handler: SIGTERM does nothing.
      const ignorer = await sharedContainer("ignore", ["sleep", "3600"]);
      await running(handler.id);
      await running(ignorer.id);
      // The shell prints its ready line once the trap is installed; signal it only then.
      await waitUntil("the trap script's ready line", async () =>
        text(await collect(rt.readLogs(handler.id))).includes("ready") ? true : undefined,
      );

      const t0 = Date.now();
      const handlerStop = rt.stopContainer(handler.id, graceSeconds).then(() => Date.now() - t0);
      const ignorerStop = rt.stopContainer(ignorer.id, graceSeconds).then(() => Date.now() - t0);
      const [handlerMs, ignorerMs] = await Promise.all([handlerStop, ignorerStop]);

      const h = await rt.containerStatus(handler.id);
      const i = await rt.containerStatus(ignorer.id);
      expect(h.state).toBe("exited");
      expect(h.exitCode).toBe(0);
      expect(i.state).toBe("exited");
      expect(i.exitCode).toBe(137);
      // Order and a loose lower bound only: the ignorer waited out (most of) its grace.
      expect(ignorerMs).toBeGreaterThanOrEqual(graceSeconds * 1000 * 0.75);
      expect(handlerMs).toBeLessThan(ignorerMs);
      expect(h.finishedAt).toBeLessThan(i.finishedAt);
    });

    it("reports a container over its memory limit as OOMKilled", async () => {
      const hog = await sharedContainer("oom", ["tail", "/dev/zero"], {
        resources: { memoryLimitBytes: 32 * 1024 * 1024 },
      });
      const status = await exited(hog.id);
      expect(status.reason).toBe("OOMKilled");
      expect(status.exitCode).toBe(137);
    });

    it("applies cpu and memory resources to the container's cgroup", async () => {
      const resources: LinuxResources = {
        cpuShares: 512,
        cpuPeriod: 100_000,
        cpuQuota: 50_000,
        memoryLimitBytes: 64 * 1024 * 1024,
      };
      const c = await sharedContainer("cgroup", ["sleep", "3600"], { resources });
      await running(c.id);
      const read = (controller: string, file: string): Promise<string> =>
        env.readCgroup(shared.cgroupParent, c.id, controller, file).then((v) => v.trim());
      expect(await read("cpu", "cpu.shares")).toBe("512");
      expect(await read("cpu", "cpu.cfs_period_us")).toBe("100000");
      expect(await read("cpu", "cpu.cfs_quota_us")).toBe("50000");
      expect(await read("memory", "memory.limit_in_bytes")).toBe(String(64 * 1024 * 1024));
    });

    it("lets containers of one sandbox reach each other over localhost", async () => {
      const pod = await ownPod("net");
      await pod.container("server", ["httpd", "-f", "-p", "8080", "-h", "/etc"]);
      const client = await pod.container("client", ["sleep", "3600"]);
      await running(client);
      const fetched = await waitUntil("the server to answer on localhost:8080", async () => {
        const r = await rt.execSync(client, ["wget", "-q", "-O", "-", "http://127.0.0.1:8080/passwd"], 10);
        return r.exitCode === 0 ? r : undefined;
      });
      expect(fetched.exitCode).toBe(0);
      const closed = await rt.execSync(client, ["wget", "-q", "-O", "-", "http://127.0.0.1:8081/passwd"], 10);
      expect(closed.exitCode).not.toBe(0);
    });

    it("runs execSync with output and exit codes, and fails a slow one with DeadlineExceeded", async () => {
      const c = await sharedContainer("exec", ["sleep", "3600"]);
      await running(c.id);
      const ok = await rt.execSync(c.id, ["echo", "hello"], 10);
      expect(ok.exitCode).toBe(0);
      expect(ok.stdout.toString()).toBe("hello\n");
      const mixed = await rt.execSync(c.id, ["sh", "-c", "echo out; echo err >&2; exit 3"], 10);
      expect(mixed.exitCode).toBe(3);
      expect(mixed.stdout.toString()).toBe("out\n");
      expect(mixed.stderr.toString()).toBe("err\n");

      const t0 = Date.now();
      await expectCode(rt.execSync(c.id, ["sleep", "30"], 1), ErrorCode.DeadlineExceeded);
      expect(Date.now() - t0).toBeLessThan(20_000);
    });

    it("streams exec output and the exit code where supported", async () => {
      const c = await sharedContainer("stream", ["sleep", "3600"]);
      await running(c.id);
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      stdout.on("data", (d: Buffer) => out.push(d));
      stderr.on("data", (d: Buffer) => err.push(d));
      const session = rt.exec(c.id, {
        cmd: ["sh", "-c", "echo streamed; echo oops >&2; exit 4"],
        tty: false,
        stdout,
        stderr,
      });
      if (!env.streamingExec) {
        await expectCode(session, ErrorCode.Unsupported);
        return;
      }
      const result = await session;
      expect(result.exitCode).toBe(4);
      expect(Buffer.concat(out).toString()).toBe("streamed\n");
      expect(Buffer.concat(err).toString()).toBe("oops\n");
    });

    it("reads logs with tail, timestamps and streams", async () => {
      const t0 = Date.now();
      const c = await sharedContainer("logs", [
        "sh",
        "-c",
        "echo one; echo two; echo three >&2; echo four; echo five",
      ]);
      await exited(c.id);
      const all = await waitUntil("five log lines", async () => {
        const lines = await collect(rt.readLogs(c.id));
        return lines.length >= 5 ? lines : undefined;
      });
      expect(text(all).sort()).toEqual(["five", "four", "one", "three", "two"]);
      expect(all.find((l) => l.content.toString() === "three")?.stream).toBe("stderr");
      expect(all.find((l) => l.content.toString() === "one")?.stream).toBe("stdout");
      expect(all.every((l) => l.full)).toBe(true);
      const stdoutOnly = all.filter((l) => l.stream === "stdout");
      expect(text(stdoutOnly)).toEqual(["one", "two", "four", "five"]);
      let previous = 0;
      for (const line of all) {
        const at = Date.parse(line.time);
        expect(Number.isNaN(at)).toBe(false);
        expect(at).toBeGreaterThanOrEqual(t0 - 5_000);
        expect(at).toBeLessThanOrEqual(Date.now() + 5_000);
        expect(at).toBeGreaterThanOrEqual(previous - 1_000);
        previous = at;
      }
      // stdout and stderr travel separate pipes, so only the order within a stream is fixed.
      const tail: LogOptions = { tailLines: 2 };
      const tailed = text(await collect(rt.readLogs(c.id, tail)));
      expect(tailed).toEqual(text(all).slice(-2));
      expect(text(await collect(rt.readLogs(c.id, { tailLines: 0 })))).toEqual([]);
    });

    it("follows logs as the container writes them", async () => {
      const c = await sharedContainer("follow", [
        "sh",
        "-c",
        "echo a; sleep 1; echo b; sleep 1; echo c; sleep 3600",
      ]);
      await running(c.id);
      const seen: string[] = [];
      const controller = new AbortController();
      const guard = setTimeout(() => controller.abort(), WAIT_MS);
      try {
        for await (const line of rt.readLogs(c.id, { follow: true, signal: controller.signal })) {
          seen.push(line.content.toString());
          if (seen.includes("c")) break;
        }
      } finally {
        clearTimeout(guard);
      }
      expect(seen).toEqual(["a", "b", "c"]);

      // sinceTime: from the moment "b" was written (the lines are a second apart).
      const lines = await collect(rt.readLogs(c.id));
      const b = lines.find((l) => l.content.toString() === "b");
      expect(b).toBeDefined();
      const since = text(await collect(rt.readLogs(c.id, { sinceTimeNanos: nanosOf(b?.time ?? "") })));
      expect(since).toEqual(["b", "c"]);
    });

    it("keeps a previous attempt's logs readable by its id after a restart", async () => {
      const first = await sharedContainer("restart", ["sh", "-c", "echo first; exit 1"]);
      const old = await exited(first.id);
      expect(old.exitCode).toBe(1);
      const secondId = await shared.container(first.name, ["sh", "-c", "echo second; sleep 3600"], {
        attempt: 1,
      });
      onTestFinished(async () => {
        await rt.stopContainer(secondId, 0).catch(ignoreNotFound);
        await rt.removeContainer(secondId);
      });
      const second = await rt.containerStatus(secondId);
      expect(second.metadata).toEqual({ name: first.name, attempt: 1 });
      expect(second.annotations[ANNOTATION_CONTAINER_RESTART_COUNT]).toBe("1");
      expect(second.logPath).not.toBe(old.logPath);
      const previous = await waitUntil("the previous attempt's log", async () => {
        const lines = text(await collect(rt.readLogs(first.id)));
        return lines.length > 0 ? lines : undefined;
      });
      expect(previous).toEqual(["first"]);
      const current = await waitUntil("the current attempt's log", async () => {
        const lines = text(await collect(rt.readLogs(secondId)));
        return lines.length > 0 ? lines : undefined;
      });
      expect(current).toEqual(["second"]);
    });

    it("reports container and sandbox stats", async () => {
      const c = await sharedContainer("stats", ["sleep", "3600"]);
      await running(c.id);
      const stats = await waitUntil("memory stats", async () => {
        const st = await rt.containerStats(c.id);
        return st.memoryWorkingSetBytes > 0 ? st : undefined;
      });
      expect(stats.id).toBe(c.id);
      expect(stats.timestamp).toBeGreaterThan(0n);
      expect(stats.cpuUsageCoreNanoSeconds).toBeGreaterThanOrEqual(0n);
      const listed = await rt.listContainerStats({ podSandboxId: shared.sandboxId, state: "running" });
      expect(listed.map((s) => s.id)).toContain(c.id);
      const pod = await rt.podSandboxStats(shared.sandboxId);
      expect(pod.id).toBe(shared.sandboxId);
      expect(pod.containers.map((s) => s.id)).toContain(c.id);
    });

    it("pulls without credentials, with them, and fails clearly without them or for bad references", async () => {
      const { pullable, authPullable, credentials, missing } = env.images;
      const ref = await rt.pullImage(pullable);
      expect(ref).not.toBe("");
      const present = await rt.imageStatus(pullable);
      expect(present).toBeDefined();
      expect((await rt.listImages()).map((i) => i.id)).toContain(present?.id);

      await expectCode(rt.pullImage(authPullable), ErrorCode.Unauthorized);
      await expectCode(
        rt.pullImage(authPullable, {
          username: credentials.username,
          password: `${credentials.password}-wrong`,
        }),
        ErrorCode.Unauthorized,
      );
      const authed = await rt.pullImage(authPullable, {
        username: credentials.username,
        password: credentials.password,
      });
      expect(authed).not.toBe("");
      expect(await rt.imageStatus(authPullable)).toBeDefined();

      await expectCode(rt.pullImage(missing), ErrorCode.ImageNotFound);
      expect(await rt.imageStatus(missing)).toBeUndefined();
      await expectCode(rt.pullImage("Not A//Valid::Reference"), ErrorCode.InvalidImageName);
    });

    it("lets a new runtime client rebuild the pod from labels and annotations alone", async () => {
      const pod = await ownPod("recover");
      const id = await pod.container("app", ["sleep", "3600"], {
        attempt: 2,
        annotations: { [ANNOTATION_CONTAINER_HASH]: "3f2a9c1b", [ANNOTATION_CONTAINER_RESTART_COUNT]: "2" },
      });
      await running(id);

      const fresh = await env.newRuntime();
      try {
        const sandboxes = await fresh.listPodSandboxes({ labelSelector: { [LABEL_POD_UID]: pod.ref.uid } });
        expect(sandboxes.map((s) => s.id)).toEqual([pod.sandboxId]);
        const sandbox = sandboxes[0];
        expect(sandbox && podRefFromLabels(sandbox.labels)).toEqual(pod.ref);
        expect(sandbox?.metadata).toEqual(pod.config.metadata);

        const containers = await fresh.listContainers({ podSandboxId: pod.sandboxId });
        expect(containers.map((c) => c.id)).toEqual([id]);
        const c = containers[0];
        expect(c && podRefFromLabels(c.labels)).toEqual(pod.ref);
        expect(c?.labels[LABEL_CONTAINER_NAME]).toBe("app");
        expect(c?.metadata).toEqual({ name: "app", attempt: 2 });
        expect(c?.state).toBe("running");
        expect(c?.annotations[ANNOTATION_CONTAINER_HASH]).toBe("3f2a9c1b");
        expect(c?.annotations[ANNOTATION_CONTAINER_RESTART_COUNT]).toBe("2");
        const status = await fresh.containerStatus(id);
        expect(status.annotations[ANNOTATION_CONTAINER_HASH]).toBe("3f2a9c1b");
      } finally {
        await fresh.close();
      }
    });

    // Last: it takes the daemon away from everything else for a moment.
    it("reports RuntimeUnavailable while the daemon is down and recovers when it returns", async () => {
      const pod = await ownPod("daemon");
      try {
        await env.stopDaemon();
        await expectCode(rt.listPodSandboxes(), ErrorCode.RuntimeUnavailable);
        await expectCode(rt.podSandboxStatus(pod.sandboxId), ErrorCode.RuntimeUnavailable);
      } finally {
        await env.startDaemon();
      }
      const found = await waitUntil(
        "the runtime to answer again",
        async () =>
          (await rt.listPodSandboxes({ labelSelector: { [LABEL_POD_UID]: pod.ref.uid } })).map((s) => s.id),
        60_000,
      );
      expect(found).toEqual([pod.sandboxId]);
    });
  });
}
