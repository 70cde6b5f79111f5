import { describe, expect, it } from "vitest";
import { BerthError, ErrorCode, ManualClock, hasCode } from "../../common/index.js";
import { containerLabels, sandboxLabels } from "../labels.js";
import type { ContainerConfig, LinuxResources, LogLine, PodSandboxConfig } from "../types.js";
import { FAKE_IMAGE_FS, FakeRuntime } from "./fake-runtime.js";

const IMAGE = "registry.test/berth/app:1";

function sandboxConfig(uid: string, attempt = 0): PodSandboxConfig {
  const pod = { name: `pod-${uid}`, namespace: "default", uid };
  return {
    metadata: { ...pod, attempt },
    logDirectory: `/var/log/pods/default_pod-${uid}_${uid}`,
    portMappings: [],
    labels: sandboxLabels(pod),
    annotations: {},
    cgroupParent: `/kubepods/pod${uid}`,
    namespaceOptions: { network: "POD", pid: "CONTAINER", ipc: "POD" },
    sysctls: {},
  };
}

function containerConfig(
  name: string,
  argv: string[],
  options: { attempt?: number; resources?: LinuxResources; image?: string } = {},
): ContainerConfig {
  const attempt = options.attempt ?? 0;
  return {
    metadata: { name, attempt },
    image: { image: options.image ?? IMAGE },
    command: argv,
    args: [],
    envs: [],
    mounts: [],
    labels: containerLabels({ name: "p", namespace: "default", uid: "u" }, name),
    annotations: {},
    logPath: `${name}/${attempt}.log`,
    ...(options.resources ? { resources: options.resources } : {}),
  };
}

async function setup(): Promise<{
  clock: ManualClock;
  rt: FakeRuntime;
  sandbox: string;
  pod: PodSandboxConfig;
}> {
  const clock = new ManualClock();
  const rt = new FakeRuntime({ clock, images: [IMAGE] });
  const pod = sandboxConfig("u1");
  const sandbox = await rt.runPodSandbox(pod);
  return { clock, rt, sandbox, pod };
}

async function start(
  rt: FakeRuntime,
  sandbox: string,
  pod: PodSandboxConfig,
  config: ContainerConfig,
): Promise<string> {
  const id = await rt.createContainer(sandbox, config, pod);
  await rt.startContainer(id);
  return id;
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (err) {
    return err instanceof BerthError ? err.code : "not a BerthError";
  }
}

async function logText(lines: AsyncIterable<LogLine>): Promise<string[]> {
  const out: string[] = [];
  for await (const l of lines) out.push(l.content.toString());
  return out;
}

describe("FakeRuntime", () => {
  it("runs a script to its exit code, with its output as CRI log lines", async () => {
    const { clock, rt, sandbox, pod } = await setup();
    const id = await start(rt, sandbox, pod, containerConfig("c", ["sh", "-c", "echo hi; sleep 5; exit 2"]));
    await clock.advance(4_999);
    expect((await rt.containerStatus(id)).state).toBe("running");
    await clock.advance(1);
    const s = await rt.containerStatus(id);
    expect(s).toMatchObject({ state: "exited", exitCode: 2, reason: "Error" });
    expect(s.finishedAt - s.startedAt).toBe(5_000_000_000n);
    expect(s.logPath).toBe(`${pod.logDirectory}/c/0.log`);
    expect(await logText(rt.readLogs(id))).toEqual(["hi"]);
  });

  it("stops a trapping container at once and kills an ignoring one only after the grace", async () => {
    const { clock, rt, sandbox, pod } = await setup();
    const trap = await start(
      rt,
      sandbox,
      pod,
      containerConfig("t", ["sh", "-c", "trap 'exit 0' TERM; sleep 100"]),
    );
    const ignore = await start(rt, sandbox, pod, containerConfig("i", ["sleep", "100"]));
    await clock.advance(0);
    await rt.stopContainer(trap, 30);
    expect(await rt.containerStatus(trap)).toMatchObject({
      state: "exited",
      exitCode: 0,
      reason: "Completed",
    });

    let stopped = false;
    const stopping = rt.stopContainer(ignore, 30).then(() => (stopped = true));
    await clock.advance(29_999);
    expect(stopped).toBe(false);
    expect((await rt.containerStatus(ignore)).state).toBe("running");
    await clock.advance(1);
    await stopping;
    expect(await rt.containerStatus(ignore)).toMatchObject({ state: "exited", exitCode: 137 });
    // Idempotent.
    await rt.stopContainer(ignore, 30);
  });

  it("exits an unknown program (a server) on SIGTERM with 143, and kills at once with no grace", async () => {
    const { clock, rt, sandbox, pod } = await setup();
    const server = await start(rt, sandbox, pod, containerConfig("s", []));
    await clock.advance(0);
    await rt.stopContainer(server, 10);
    expect((await rt.containerStatus(server)).exitCode).toBe(143);
    const sleeper = await start(rt, sandbox, pod, containerConfig("z", ["sleep", "100"]));
    await rt.stopContainer(sleeper, 0);
    expect((await rt.containerStatus(sleeper)).exitCode).toBe(137);
  });

  it("OOM-kills a memory hog under a limit, and on command", async () => {
    const { clock, rt, sandbox, pod } = await setup();
    const hog = await start(
      rt,
      sandbox,
      pod,
      containerConfig("hog", ["tail", "/dev/zero"], { resources: { memoryLimitBytes: 1 << 20 } }),
    );
    await clock.advance(0);
    expect(await rt.containerStatus(hog)).toMatchObject({
      state: "exited",
      exitCode: 137,
      reason: "OOMKilled",
    });
    const app = await start(rt, sandbox, pod, containerConfig("app", []));
    rt.oomKill(app);
    expect((await rt.containerStatus(app)).reason).toBe("OOMKilled");
    const done = await start(rt, sandbox, pod, containerConfig("done", []));
    rt.exitContainer(done, 0);
    expect((await rt.containerStatus(done)).reason).toBe("Completed");
  });

  it("answers exec from the model or from a control, and times out on the clock", async () => {
    const { clock, rt, sandbox, pod } = await setup();
    const id = await start(rt, sandbox, pod, containerConfig("c", ["sleep", "1000"]));
    const r = await rt.execSync(id, ["sh", "-c", "echo out; echo err >&2; exit 4"], 5);
    expect([r.stdout.toString(), r.stderr.toString(), r.exitCode]).toEqual(["out\n", "err\n", 4]);

    const slow = codeOf(rt.execSync(id, ["sleep", "10"], 2));
    await clock.advance(2_000);
    expect(await slow).toBe(ErrorCode.DeadlineExceeded);

    rt.setExecResult(id, (cmd) => (cmd[0] === "cat" ? { stdout: "ok", exitCode: 0 } : undefined));
    expect((await rt.execSync(id, ["cat", "/tmp/healthy"], 1)).stdout.toString()).toBe("ok");
    expect((await rt.execSync(id, ["false"], 1)).exitCode).toBe(1);
    rt.setExecResult(id, { exitCode: 1, durationMs: 5_000 });
    const late = codeOf(rt.execSync(id, ["probe"], 1));
    await clock.advance(1_000);
    expect(await late).toBe(ErrorCode.DeadlineExceeded);
  });

  it("lets containers of one pod reach a listener, not those of another pod", async () => {
    const { clock, rt, sandbox, pod } = await setup();
    await start(rt, sandbox, pod, containerConfig("web", ["httpd", "-f", "-p", "8080"]));
    const client = await start(rt, sandbox, pod, containerConfig("client", ["sleep", "1000"]));
    const otherPod = sandboxConfig("u2");
    const other = await rt.runPodSandbox(otherPod);
    const stranger = await start(rt, other, otherPod, containerConfig("client", ["sleep", "1000"]));
    await clock.advance(0);
    const url = "http://127.0.0.1:8080/";
    expect((await rt.execSync(client, ["wget", "-q", "-O", "-", url], 1)).exitCode).toBe(0);
    expect((await rt.execSync(stranger, ["wget", "-q", "-O", "-", url], 1)).exitCode).toBe(1);
  });

  it("keeps names reserved, refuses unknown ids and is idempotent on removal", async () => {
    const { rt, sandbox, pod } = await setup();
    expect(await codeOf(rt.runPodSandbox(pod))).toBe(ErrorCode.AlreadyExists);
    await rt.createContainer(sandbox, containerConfig("c", []), pod);
    expect(await codeOf(rt.createContainer(sandbox, containerConfig("c", []), pod))).toBe(
      ErrorCode.AlreadyExists,
    );
    expect(await codeOf(rt.containerStatus("nope"))).toBe(ErrorCode.NotFound);
    expect(await codeOf(rt.stopPodSandbox("nope"))).toBe(ErrorCode.NotFound);
    expect(await codeOf(rt.createContainer("nope", containerConfig("x", []), pod))).toBe(ErrorCode.NotFound);
    expect(
      await codeOf(rt.createContainer(sandbox, containerConfig("x", [], { image: "absent:1" }), pod)),
    ).toBe(ErrorCode.ImageNotFound);
    await rt.removeContainer("nope");
    await rt.removePodSandbox("nope");
  });

  it("stops a sandbox's containers with it, and removes them with it", async () => {
    const { rt, sandbox, pod } = await setup();
    const id = await start(rt, sandbox, pod, containerConfig("c", ["sleep", "1000"]));
    await rt.stopPodSandbox(sandbox);
    expect(await rt.containerStatus(id)).toMatchObject({ state: "exited", exitCode: 137 });
    expect((await rt.podSandboxStatus(sandbox)).ip).toBe("");
    expect(await codeOf(rt.startContainer(id))).toBe(ErrorCode.Conflict);
    await rt.removePodSandbox(sandbox);
    expect(await rt.listContainers()).toEqual([]);
    expect(await rt.listPodSandboxes()).toEqual([]);
  });

  it("pulls from its registry with credentials, and fails pulls as scripted", async () => {
    const rt = new FakeRuntime({ clock: new ManualClock() });
    rt.addRegistryImage("open.test/a:1", { user: "1000" });
    rt.addRegistryImage("private.test/b:1", { credentials: { username: "u", password: "p" } });
    expect(await rt.imageStatus("open.test/a:1")).toBeUndefined();
    const id = await rt.pullImage("open.test/a:1");
    expect(await rt.imageStatus(id)).toMatchObject({ id, user: "1000", uid: 1000 });
    expect(await codeOf(rt.pullImage("private.test/b:1"))).toBe(ErrorCode.Unauthorized);
    expect(await codeOf(rt.pullImage("private.test/b:1", { username: "u", password: "x" }))).toBe(
      ErrorCode.Unauthorized,
    );
    await rt.pullImage("private.test/b:1", { auth: Buffer.from("u:p").toString("base64") });
    expect(await codeOf(rt.pullImage("open.test/missing:1"))).toBe(ErrorCode.ImageNotFound);
    expect(await codeOf(rt.pullImage("Bad::Ref"))).toBe(ErrorCode.InvalidImageName);

    rt.failPulls("open.test/a:1", new BerthError(ErrorCode.DeadlineExceeded, "registry slow"), 1);
    expect(await codeOf(rt.pullImage("open.test/a:1"))).toBe(ErrorCode.DeadlineExceeded);
    await rt.pullImage("open.test/a:1");

    await rt.removeImage("open.test/a:1");
    await rt.removeImage("open.test/a:1");
    expect((await rt.listImages()).map((i) => i.repoTags[0])).toEqual(["private.test/b:1"]);
  });

  it("reports its image filesystem with the images' sizes", async () => {
    const rt = new FakeRuntime({ clock: new ManualClock() });
    expect(await rt.imageFsInfo()).toEqual({ mountpoint: FAKE_IMAGE_FS, usedBytes: 0 });
    rt.addImage("open.test/a:1", { size: 300 });
    rt.addImage("open.test/b:1", { size: 200 });
    expect((await rt.imageFsInfo()).usedBytes).toBe(500);
    await rt.removeImage("open.test/a:1");
    expect((await rt.imageFsInfo()).usedBytes).toBe(200);
  });

  it("pulls any well-formed image with pullAny, still honouring registry credentials", async () => {
    const rt = new FakeRuntime({ clock: new ManualClock(), pullAny: true });
    rt.addRegistryImage("private.test/b:1", { credentials: { username: "u", password: "p" } });
    await rt.pullImage("nginx:1.27");
    expect(await rt.imageStatus("docker.io/library/nginx:1.27")).toBeDefined();
    expect(await codeOf(rt.pullImage("private.test/b:1"))).toBe(ErrorCode.Unauthorized);
    expect(await codeOf(rt.pullImage("bad::ref"))).toBe(ErrorCode.InvalidImageName);
  });

  it("goes unavailable and back; a second client sees the same state", async () => {
    const { rt, sandbox, pod } = await setup();
    const id = await start(rt, sandbox, pod, containerConfig("c", []));
    rt.setAvailable(false);
    expect(await codeOf(rt.listContainers())).toBe(ErrorCode.RuntimeUnavailable);
    expect(() => rt.readLogs(id)).toThrow(BerthError);
    rt.setAvailable(true);
    const other = rt.newInstance();
    expect((await other.listContainers({ podSandboxId: sandbox })).map((c) => c.id)).toEqual([id]);
    await other.close();
    expect(hasCode(await other.version().catch((e: unknown) => e), ErrorCode.RuntimeUnavailable)).toBe(true);
    expect((await rt.version()).runtimeName).toBe("fake");
  });

  it("records cgroup values and reports stats from the clock", async () => {
    const { clock, rt, sandbox, pod } = await setup();
    const id = await start(
      rt,
      sandbox,
      pod,
      containerConfig("c", [], { resources: { cpuShares: 256, cpuQuota: 20_000, cpuPeriod: 100_000 } }),
    );
    expect(rt.cgroupFiles(id)).toEqual({
      parent: pod.cgroupParent,
      files: {
        "cpu/cpu.shares": "256",
        "cpu/cpu.cfs_period_us": "100000",
        "cpu/cpu.cfs_quota_us": "20000",
        "memory/memory.limit_in_bytes": "9223372036854771712",
      },
    });
    await clock.advance(10_000);
    rt.setMemoryUsage(id, 123);
    const stats = await rt.containerStats(id);
    expect(stats.cpuUsageCoreNanoSeconds).toBe(100_000_000n); // 10 s at 10 millicores
    expect(stats.memoryWorkingSetBytes).toBe(123);
    expect((await rt.podSandboxStats(sandbox)).containers).toHaveLength(1);
  });

  it("filters lists by id prefix, state and labels", async () => {
    const { rt, sandbox, pod } = await setup();
    const a = await start(rt, sandbox, pod, containerConfig("a", []));
    const b = await rt.createContainer(sandbox, containerConfig("b", []), pod);
    expect((await rt.listContainers({ state: "running" })).map((c) => c.id)).toEqual([a]);
    expect((await rt.listContainers({ state: "created" })).map((c) => c.id)).toEqual([b]);
    expect((await rt.listContainers({ id: b.slice(0, 12) })).map((c) => c.id)).toEqual([b]);
    const byName = await rt.listContainers({ labelSelector: { "io.kubernetes.container.name": "b" } });
    expect(byName.map((c) => c.id)).toEqual([b]);
    expect((await rt.listPodSandboxes({ labelSelector: { "io.kubernetes.pod.uid": "u1" } })).length).toBe(1);
  });
});
