/**
 * A containerd or dockerd of a test's own, whose images live on a small tmpfs, for tests that must
 * fill the image filesystem (image garbage collection): on the shared daemons' 250 GB disk a few
 * test images move usage by far less than the 1% the kubelet's integer thresholds can tell apart,
 * and collecting there would remove images other tests use. Own socket, root, state, runc root and
 * (Docker) bridge; the registries and CNI configuration of scripts/runtime-env.sh are read, never
 * changed. stop() leaves nothing: daemon and its shims stopped, tmpfs unmounted, bridge removed.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, open, readFile, rm, statfs, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { createCriRuntime } from "../../src/runtime/cri/index.js";
import { createDockerRuntime } from "../../src/runtime/docker/index.js";
import type { ContainerRuntime } from "../../src/runtime/index.js";
import type { RuntimeKind } from "./cluster.js";
import { requireEnv, testEnv } from "./env.js";

const run = promisify(execFile);
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface DiskUsage {
  readonly capacityBytes: number;
  readonly usedBytes: number;
}

export class PrivateRuntime {
  private constructor(
    readonly kind: RuntimeKind,
    readonly dir: string,
    /** The tmpfs holding the daemon's images. */
    readonly imageFs: string,
    readonly endpoint: string,
    readonly runtime: ContainerRuntime,
    private readonly daemon: ChildProcess,
    private readonly bridge: string | undefined,
  ) {}

  /** Starts the daemon with `sizeMiB` of tmpfs for its images and waits until it answers. */
  static async start(kind: RuntimeKind, sizeMiB: number): Promise<PrivateRuntime> {
    // Short paths: unix socket paths are limited to 108 bytes.
    const dir = await mkdtemp("/tmp/bgc-");
    const imageFs = join(dir, "root");
    await mkdir(imageFs);
    await run("mount", ["-t", "tmpfs", "-o", `size=${sizeMiB}m,mode=0711`, "tmpfs", imageFs]);
    let bridge: string | undefined;
    let daemon: ChildProcess | undefined;
    try {
      const log = await open(join(dir, `${kind}.log`), "a");
      let endpoint: string;
      if (kind === "containerd") {
        endpoint = `unix://${dir}/containerd.sock`;
        const config = join(dir, "config.toml");
        await writeFile(config, containerdConfig(dir, imageFs));
        daemon = spawn("containerd", ["--config", config], { stdio: ["ignore", log.fd, log.fd] });
      } else {
        endpoint = `unix://${dir}/docker.sock`;
        bridge = `bgc${process.pid % 100000}`;
        const subnet = `10.219.${process.pid % 250}`;
        await run("ip", ["link", "add", "name", bridge, "type", "bridge"]);
        await run("ip", ["addr", "add", `${subnet}.1/24`, "dev", bridge]);
        await run("ip", ["link", "set", bridge, "up"]);
        await writeFile(join(dir, "daemon.json"), "{}\n");
        daemon = spawn(
          "dockerd",
          [
            "-H",
            endpoint,
            "--config-file",
            join(dir, "daemon.json"),
            "--data-root",
            imageFs,
            "--exec-root",
            join(dir, "run"),
            "--pidfile",
            join(dir, "dockerd.pid"),
            "--exec-opt",
            "native.cgroupdriver=cgroupfs",
            "--bridge",
            bridge,
            "--iptables=false",
            "--ip-masq=false",
            "--ip-forward=false",
            "--oom-score-adjust",
            "0",
          ],
          { stdio: ["ignore", log.fd, log.fd] },
        );
      }
      await log.close();
      const runtime =
        kind === "containerd"
          ? createCriRuntime({ endpoint })
          : createDockerRuntime({ endpoint, podInfraImage: testEnv.pauseImage() });
      const rt = new PrivateRuntime(kind, dir, imageFs, endpoint, runtime, daemon, bridge);
      await rt.#waitReady();
      return rt;
    } catch (err) {
      daemon?.kill("SIGKILL");
      await run("umount", [imageFs]).catch(() => undefined);
      if (bridge !== undefined) await run("ip", ["link", "del", bridge]).catch(() => undefined);
      const log = await readFile(join(dir, `${kind}.log`), "utf8").catch(() => "");
      throw new Error(`private ${kind} did not start: ${String(err)}\n${log.slice(-2000)}`, { cause: err });
    }
  }

  async #waitReady(): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (this.daemon.exitCode !== null) throw new Error(`${this.kind} exited with ${this.daemon.exitCode}`);
      try {
        // containerd's socket answers before its CRI plugin has loaded: wait for a list.
        await this.runtime.listImages();
        return;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await sleep(200);
      }
    }
  }

  /** Bytes used and capacity of the image tmpfs, as statfs(2) reports them. */
  async usage(): Promise<DiskUsage> {
    const s = await statfs(this.imageFs);
    return { capacityBytes: s.blocks * s.bsize, usedBytes: (s.blocks - s.bavail) * s.bsize };
  }

  /** Stops the daemon (its containers must be gone already), unmounts, removes the bridge and dir. */
  async stop(): Promise<void> {
    const failures: string[] = [];
    await this.runtime.close().catch(() => undefined);
    if (this.daemon.exitCode === null) {
      const exited = new Promise<void>((resolve) => this.daemon.once("exit", () => resolve()));
      this.daemon.kill("SIGTERM");
      const timer = sleep(STOP_TIMEOUT_MS).then(() => "timeout");
      if ((await Promise.race([exited, timer])) === "timeout") {
        failures.push(`${this.kind} did not stop within ${STOP_TIMEOUT_MS} ms`);
        this.daemon.kill("SIGKILL");
        await exited;
      }
    }
    // Mounts the daemon left (rootfs of a container it did not remove) would hold the tmpfs.
    const mounts = (await readFile("/proc/self/mounts", "utf8"))
      .split("\n")
      .map((line) => line.split(" ")[1] ?? "")
      .filter((m) => m.startsWith(`${this.dir}/`))
      .sort((a, b) => b.length - a.length);
    for (const m of mounts) {
      try {
        await run("umount", [m]);
      } catch (err) {
        failures.push(`umount ${m}: ${String(err)}`);
      }
    }
    if (this.bridge !== undefined) {
      await run("ip", ["link", "del", this.bridge]).catch((err: unknown) =>
        failures.push(`ip link del ${this.bridge}: ${String(err)}`),
      );
    }
    if (failures.length === 0) await rm(this.dir, { recursive: true, force: true });
    else throw new Error(`stopping the private ${this.kind} (kept ${this.dir}):\n${failures.join("\n")}`);
  }
}

/** The shared containerd's settings (scripts/lib/runtime-env/containerd.sh) on private paths. */
function containerdConfig(dir: string, root: string): string {
  const registry = testEnv.registry();
  const pause = testEnv.pauseImage();
  const cniConfDir = requireEnv("BERTH_CNI_CONF_DIR");
  const cniBinDir = requireEnv("BERTH_CNI_BIN_DIR");
  return `version = 2
root = "${root}"
state = "${dir}/state"
oom_score = 0

[grpc]
  address = "${dir}/containerd.sock"

[ttrpc]
  address = "${dir}/containerd.sock.ttrpc"

[debug]
  address = ""

[metrics]
  address = ""

[plugins]
  [plugins."io.containerd.internal.v1.opt"]
    path = "${dir}/opt"

  [plugins."io.containerd.grpc.v1.cri"]
    sandbox_image = "${pause}"
    restrict_oom_score_adj = true
    stream_server_address = "127.0.0.1"
    stream_server_port = "0"

    [plugins."io.containerd.grpc.v1.cri".containerd]
      snapshotter = "overlayfs"
      default_runtime_name = "runc"

      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"

        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
          SystemdCgroup = false
          Root = "${dir}/runc"

    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "${cniBinDir}"
      conf_dir = "${cniConfDir}"
      max_conf_num = 1

    [plugins."io.containerd.grpc.v1.cri".registry]
      [plugins."io.containerd.grpc.v1.cri".registry.mirrors."${registry}"]
        endpoint = ["http://${registry}"]
`;
}
