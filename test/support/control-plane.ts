/**
 * A control plane for controller tests, made of the real programs: `berth apiserver` (SQLite in a
 * temp dir, a free loopback port) and any number of `berth controller-manager` processes, with
 * kubectl on its own kubeconfig and cache dir and an admin API client.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { ApiClient } from "../../src/api/index.js";
import { waitApiReady } from "./apiserver-process.js";
import { KUBECTL } from "./cluster.js";
import { BerthProcess } from "./cluster-process.js";

const run = promisify(execFile);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject()));
    });
  });
}

/** Short leader-election and node-monitor timings so that failover fits a test (upstream: 15 s, 10 s, 2 s). */
export const TEST_LEADER_ELECTION_FLAGS = [
  "--leader-elect-lease-duration=8s",
  "--leader-elect-renew-deadline=6s",
  "--leader-elect-retry-period=1s",
  // upstream: 40 s and 5 s; hollow nodes renew their leases every second
  "--node-monitor-grace-period=4s",
  "--node-monitor-period=1s",
];

export class ControlPlane {
  /** The controller-managers and schedulers started, in order. */
  readonly managers: BerthProcess[] = [];

  private constructor(
    readonly dir: string,
    readonly apiserver: BerthProcess,
    readonly kubeconfig: string,
    readonly api: ApiClient,
  ) {}

  static async start(): Promise<ControlPlane> {
    const dir = await mkdtemp(join(tmpdir(), "berth-ctl-"));
    const apiDir = join(dir, "apiserver");
    await mkdir(apiDir);
    const port = await freePort();
    const apiserver = new BerthProcess(
      "apiserver",
      ["apiserver", "--data-dir", apiDir, "--listen", `127.0.0.1:${port}`],
      join(dir, "apiserver.log"),
    );
    await apiserver.start();
    const kubeconfig = join(apiDir, "admin.kubeconfig");
    try {
      await waitApiReady(apiserver, kubeconfig);
    } catch (err) {
      await apiserver.stop();
      throw err;
    }
    return new ControlPlane(dir, apiserver, kubeconfig, await ApiClient.fromKubeconfig(kubeconfig));
  }

  /** Starts one more `berth controller-manager`; it runs for leadership with the others. */
  async startControllerManager(identity: string): Promise<BerthProcess> {
    const cm = new BerthProcess(
      `controller-manager ${identity}`,
      [
        "controller-manager",
        "--kubeconfig",
        this.kubeconfig,
        "--identity",
        identity,
        ...TEST_LEADER_ELECTION_FLAGS,
      ],
      join(this.dir, `controller-manager-${identity}.log`),
    );
    await cm.start();
    this.managers.push(cm);
    return cm;
  }

  /** Starts one more `berth scheduler`; it runs for the kube-scheduler lease with the others. */
  async startScheduler(name: string): Promise<BerthProcess> {
    const scheduler = new BerthProcess(
      `scheduler ${name}`,
      [
        "scheduler",
        "--kubeconfig",
        this.kubeconfig,
        // The scheduler takes the leader-election flags, not the node lifecycle controller's.
        ...TEST_LEADER_ELECTION_FLAGS.filter((f) => f.startsWith("--leader-elect-")),
      ],
      join(this.dir, `scheduler-${name}.log`),
    );
    await scheduler.start();
    this.managers.push(scheduler);
    return scheduler;
  }

  /**
   * Starts again every controller-manager that has exited (one that lost its lease exits, as
   * kube-controller-manager does, and its supervisor restarts it).
   */
  async restartExitedManagers(): Promise<void> {
    for (const m of this.managers) if (!m.running) await m.start();
  }

  async kubectl(...args: string[]): Promise<string> {
    try {
      const { stdout } = await run(
        KUBECTL,
        ["--kubeconfig", this.kubeconfig, "--cache-dir", join(this.dir, "kubectl-cache"), ...args],
        { timeout: 120_000 },
      );
      return stdout;
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`kubectl ${args.join(" ")} failed: ${e.stderr ?? ""}${e.message}`, { cause: err });
    }
  }

  /** kubectl's stderr and exit code for a command expected to fail. */
  async kubectlFails(...args: string[]): Promise<string> {
    try {
      await this.kubectl(...args);
    } catch (err) {
      return String((err as Error).message);
    }
    throw new Error(`kubectl ${args.join(" ")} succeeded`);
  }

  async logs(): Promise<string> {
    const parts = [`---- apiserver\n${await this.apiserver.tail(20)}`];
    for (const m of this.managers) parts.push(`---- ${m.name}\n${await m.tail(40)}`);
    return parts.join("\n");
  }

  async stop(): Promise<void> {
    await Promise.all(this.managers.map((m) => m.stop()));
    await this.api.close();
    await this.apiserver.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}
