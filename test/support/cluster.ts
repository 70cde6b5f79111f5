/**
 * A one-node berth cluster for end-to-end tests, made of the real programs: `berth apiserver`
 * (SQLite in a temp dir, a free loopback port) and `berth agent` (the node's own kubeconfig from
 * `berth kubeconfig node`, containerd or Docker from scripts/runtime-env.sh, its own root dir and
 * cgroupRoot) as child processes; kubectl with its own kubeconfig and cache dir; an admin API
 * client; and the runtime adapter itself, to look at what the agent made. Stopping it removes every
 * sandbox, container and cgroup the node's pods left, even after a failed test, and fails when
 * the agent left anything of a deleted pod or a component did not exit 0 on SIGTERM.
 */
import { execFile } from "node:child_process";
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { IPod } from "kubernetes-models/v1";
import { stringify } from "yaml";
import { ApiClient, resourcePath } from "../../src/api/index.js";
import { createCriRuntime } from "../../src/runtime/cri/index.js";
import { createDockerRuntime } from "../../src/runtime/docker/index.js";
import {
  LABEL_POD_UID,
  type Container,
  type ContainerRuntime,
  type PodSandbox,
} from "../../src/runtime/index.js";
import {
  findLeftovers,
  nodeObjectsByPod,
  podCgroupsUnder,
  removeCgroupRoot,
  removePodsFromRuntime,
  unmountUnder,
  type RuntimeLeftovers,
} from "./cluster-cleanup.js";
import { freePort, waitApiReady } from "./apiserver-process.js";
import { BerthProcess, REPO_ROOT, berthMain } from "./cluster-process.js";
import { waitForObject } from "./cluster-watch.js";
import { testEnv } from "./env.js";

/** The node flags the agent runs with under systemd and scripts/up.sh: systemd/berth-agent.env. */
export async function agentNodeFlags(runtime: RuntimeKind): Promise<string[]> {
  // The benches measure the agent without the flags too: BERTH_AGENT_NODE_FLAGS="" runs it bare.
  const override = process.env.BERTH_AGENT_NODE_FLAGS;
  if (override !== undefined) return override.split(/\s+/).filter(Boolean);
  const file = join(REPO_ROOT, "systemd", "berth-agent.env");
  const name = runtime === "docker" ? "BERTH_AGENT_NODE_FLAGS_DOCKER" : "BERTH_AGENT_NODE_FLAGS";
  const match = new RegExp(`^${name}="([^"]*)"$`, "m").exec(await readFile(file, "utf8"));
  if (!match?.[1]) throw new Error(`${file} has no ${name}="..." line`);
  return match[1].split(/\s+/).filter(Boolean);
}

const run = promisify(execFile);

export type RuntimeKind = "containerd" | "docker";
/** The same suite runs on both. */
export const RUNTIMES: readonly RuntimeKind[] = ["containerd", "docker"];

export const KUBECTL = "/usr/bin/kubectl";
export const NAMESPACE = "default";
/**
 * How long stop() gives the agent to finish removing a deleted pod's objects before it counts
 * them as left behind: a force-deleted pod is stopped as an orphan, with the grace period its
 * containers were created with (30 s by default) plus a housekeeping pass.
 */
const DELETED_POD_CLEANUP_WAIT_MS = 45_000;
const NODE_READY_TIMEOUT_MS = 60_000;

export interface ClusterOptions {
  readonly runtime: RuntimeKind;
  /** Extra KubeletConfiguration fields for the agent's --config file. */
  readonly agentConfig?: Readonly<Record<string, unknown>>;
  /**
   * The first CrashLoopBackOff delay as a Go duration (BERTH_TEST_CRASH_BACKOFF_INITIAL), for a
   * test that must see many crashes; the agent keeps the kubelet's 10 s otherwise.
   */
  readonly crashBackoffInitial?: string;
  /**
   * The eviction manager's monitoring period as a Go duration (BERTH_TEST_EVICTION_MONITORING_PERIOD),
   * for a test that waits for evictions; the agent keeps the kubelet's 10 s otherwise.
   */
  readonly evictionMonitoringPeriod?: string;
  /**
   * The agent's --runtime-endpoint, when it is not the shared daemon's (a socket of the test's own,
   * such as a proxy it opens later). The cluster's own runtime client keeps using the daemon.
   */
  readonly agentRuntimeEndpoint?: string;
  /**
   * A runtime of the test's own (test/support/private-runtime.ts) for the agent and the cluster's
   * runtime client alike, instead of the shared daemon.
   */
  readonly runtimeEndpoint?: string;
  /** Extra environment of the agent process (the BERTH_TEST_* hooks). */
  readonly agentEnv?: Readonly<Record<string, string>>;
  /** Extra environment of the API server process. */
  readonly apiserverEnv?: Readonly<Record<string, string>>;
  /** Wait for the Node to be Ready in start() (default true). */
  readonly waitForNodeReady?: boolean;
}

export interface RuntimePodView {
  readonly sandboxes: PodSandbox[];
  readonly containers: Container[];
}

let serial = 0;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function podsPath(namespace = NAMESPACE, name?: string): string {
  return resourcePath({ resource: "pods", namespace, ...(name === undefined ? {} : { name }) });
}

export class TestCluster {
  readonly api: ApiClient;
  readonly runtime: ContainerRuntime;
  readonly apiserver: BerthProcess;
  readonly agent: BerthProcess;
  /** Every pod uid this cluster created: what cleanup looks for in the runtime. */
  readonly #uids = new Set<string>();

  private constructor(
    readonly runtimeKind: RuntimeKind,
    readonly dir: string,
    readonly nodeName: string,
    readonly cgroupRoot: string,
    readonly adminKubeconfig: string,
    api: ApiClient,
    runtime: ContainerRuntime,
    apiserver: BerthProcess,
    agent: BerthProcess,
  ) {
    this.api = api;
    this.runtime = runtime;
    this.apiserver = apiserver;
    this.agent = agent;
  }

  /** Starts the API server and the agent and waits for the Node to be Ready. */
  static async start(options: ClusterOptions): Promise<TestCluster> {
    const endpoint =
      options.runtimeEndpoint ??
      (options.runtime === "containerd" ? testEnv.containerdEndpoint() : testEnv.dockerEndpoint());
    const pauseImage = testEnv.pauseImage();
    await access(berthMain()).catch(() => {
      throw new Error(`${berthMain()} is missing: run npm run build (scripts/test.sh does)`);
    });
    const dir = await mkdtemp(join(tmpdir(), "berth-e2e-"));
    const id = `${process.pid}-${++serial}`;
    const nodeName = `e2e-${options.runtime}-${id}`;
    const cgroupRoot = `/berth-e2e-${id}`;
    // Pids come round again (pid_max is 32768 here): an earlier process with this pid that was
    // killed before its cluster stopped (a bench, a test run cut short) may have left this root,
    // and its pods' cgroups would be taken for this agent's leftovers when the cluster stops.
    const stale: string[] = [];
    await removeCgroupRoot(cgroupRoot, stale);
    if (stale.length > 0) {
      throw new Error(`cgroup root ${cgroupRoot} is left from an earlier process:\n  ${stale.join("\n  ")}`);
    }
    const apiDir = join(dir, "apiserver");
    await mkdir(apiDir);
    const port = await freePort();
    const apiserver = new BerthProcess(
      "apiserver",
      ["apiserver", "--data-dir", apiDir, "--listen", `127.0.0.1:${port}`],
      join(dir, "apiserver.log"),
      [],
      options.apiserverEnv,
    );
    const adminKubeconfig = join(apiDir, "admin.kubeconfig");
    await apiserver.start();
    try {
      await waitApiReady(apiserver, adminKubeconfig);
    } catch (err) {
      await apiserver.stop();
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
    const api = await ApiClient.fromKubeconfig(adminKubeconfig);

    const nodeKubeconfig = join(dir, "node.kubeconfig");
    const { stdout } = await run(process.execPath, [
      berthMain(),
      "kubeconfig",
      "node",
      nodeName,
      "--data-dir",
      apiDir,
    ]);
    await writeFile(nodeKubeconfig, stdout, { mode: 0o600 });
    const configFile = join(dir, "agent.yaml");
    // Each agent gets its own server ports: several clusters share this machine.
    const agentPorts = { port: await freePort(), healthzPort: await freePort() };
    // Image garbage collection is off (high threshold 100) unless a test asks for it: agents on the
    // shared daemons must never remove images that other tests use.
    await writeFile(
      configFile,
      stringify({ cgroupRoot, ...agentPorts, imageGCHighThresholdPercent: 100, ...options.agentConfig }),
    );
    const agent = new BerthProcess(
      "agent",
      [
        "agent",
        "--kubeconfig",
        nodeKubeconfig,
        "--node-name",
        nodeName,
        "--runtime",
        options.runtime,
        "--runtime-endpoint",
        options.agentRuntimeEndpoint ?? endpoint,
        "--root-dir",
        join(dir, "agent"),
        "--config",
        configFile,
        "--pod-infra-image",
        pauseImage,
      ],
      join(dir, "agent.log"),
      await agentNodeFlags(options.runtime),
      {
        ...(options.crashBackoffInitial === undefined
          ? {}
          : { BERTH_TEST_CRASH_BACKOFF_INITIAL: options.crashBackoffInitial }),
        ...(options.evictionMonitoringPeriod === undefined
          ? {}
          : { BERTH_TEST_EVICTION_MONITORING_PERIOD: options.evictionMonitoringPeriod }),
        ...options.agentEnv,
      },
    );
    const runtime =
      options.runtime === "containerd"
        ? createCriRuntime({ endpoint })
        : createDockerRuntime({ endpoint, podInfraImage: pauseImage });
    const cluster = new TestCluster(
      options.runtime,
      dir,
      nodeName,
      cgroupRoot,
      adminKubeconfig,
      api,
      runtime,
      apiserver,
      agent,
    );
    try {
      await agent.start();
      if (options.waitForNodeReady !== false) await cluster.#whileAgentRuns(cluster.waitForNodeReady());
    } catch (err) {
      const tail = await agent.tail();
      await cluster.stop().catch(() => undefined);
      throw new Error(`the agent did not bring its node Ready: ${String(err)}\nagent log:\n${tail}`, {
        cause: err,
      });
    }
    return cluster;
  }

  // ---- kubectl and the API ----------------------------------------------------------------------

  /** kubectl with the admin kubeconfig and the cluster's own cache dir; stdout. */
  async kubectl(...args: string[]): Promise<string> {
    try {
      const { stdout } = await run(
        KUBECTL,
        ["--kubeconfig", this.adminKubeconfig, "--cache-dir", join(this.dir, "kubectl-cache"), ...args],
        { timeout: 60_000 },
      );
      return stdout;
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`kubectl ${args.join(" ")} failed: ${e.stderr ?? ""}${e.message}`, { cause: err });
    }
  }

  /** Creates a pod bound to this node (spec.nodeName set unless given). */
  async createPod(pod: IPod, namespace = NAMESPACE): Promise<IPod> {
    const body: IPod = {
      ...pod,
      spec: { nodeName: this.nodeName, ...pod.spec, containers: pod.spec?.containers ?? [] },
    };
    const created = await this.api.create<IPod>(podsPath(namespace), body);
    const uid = created.metadata?.uid;
    if (uid !== undefined) this.#uids.add(uid);
    return created;
  }

  async getPod(name: string, namespace = NAMESPACE): Promise<IPod> {
    return this.api.get<IPod>(podsPath(namespace, name));
  }

  async deletePod(name: string, options: { gracePeriodSeconds?: number } = {}, namespace = NAMESPACE) {
    await this.api.delete(podsPath(namespace, name), options);
  }

  /** Watches the pod until `accept` holds for a version of it; that version. */
  async waitForPod(
    name: string,
    accept: (pod: IPod) => boolean,
    what: string,
    timeoutMs = 60_000,
    namespace = NAMESPACE,
  ): Promise<IPod> {
    const pod = await waitForObject<IPod>(
      this.api,
      podsPath(namespace),
      name,
      (seen) => seen.object !== undefined && !seen.deleted && accept(seen.object),
      { timeoutMs, what: `pod ${name}: ${what}` },
    );
    if (pod === undefined) throw new Error(`pod ${name} vanished while waiting for ${what}`);
    return pod;
  }

  /** Watches until the pod object is gone (the agent's final delete). */
  async waitForPodGone(name: string, timeoutMs = 60_000, namespace = NAMESPACE): Promise<void> {
    await waitForObject<IPod>(this.api, podsPath(namespace), name, (seen) => seen.deleted, {
      timeoutMs,
      what: `pod ${name} to be deleted`,
    });
  }

  async waitForNodeReady(timeoutMs = NODE_READY_TIMEOUT_MS): Promise<void> {
    await waitForObject<{ status?: { conditions?: { type: string; status: string }[] } }>(
      this.api,
      resourcePath({ resource: "nodes" }),
      this.nodeName,
      (seen) =>
        seen.object?.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true,
      { timeoutMs, what: `node ${this.nodeName} Ready` },
    );
  }

  /** Waits until the node's lease is renewed after `since` (a restarted agent is heartbeating). */
  async waitForLeaseRenewal(since: Date, timeoutMs = 30_000): Promise<void> {
    await waitForObject<{ spec?: { renewTime?: string } }>(
      this.api,
      resourcePath({ group: "coordination.k8s.io", resource: "leases", namespace: "kube-node-lease" }),
      this.nodeName,
      (seen) => {
        const renew = seen.object?.spec?.renewTime;
        return renew !== undefined && Date.parse(renew) >= since.getTime() - 1;
      },
      { timeoutMs, what: `lease of ${this.nodeName} renewed` },
    );
  }

  // ---- the runtime ------------------------------------------------------------------------------

  /** The sandboxes and containers the runtime holds for a pod uid, any state. */
  async runtimeView(uid: string): Promise<RuntimePodView> {
    const labelSelector = { [LABEL_POD_UID]: uid };
    const [sandboxes, containers] = await Promise.all([
      this.runtime.listPodSandboxes({ labelSelector }),
      this.runtime.listContainers({ labelSelector }),
    ]);
    return { sandboxes, containers };
  }

  /** What the runtime still holds for pods this cluster created but that are gone from the API. */
  async leftoversOf(uids: Iterable<string>): Promise<RuntimeLeftovers> {
    return findLeftovers(this.runtime, uids);
  }

  // ---- disruption -------------------------------------------------------------------------------

  /** kill -9 the agent. */
  async killAgent(): Promise<void> {
    await this.agent.kill9();
  }

  /** Starts the agent again (after killAgent or stopAgent) and waits for its lease renewal. */
  async startAgent(): Promise<void> {
    const since = new Date();
    await this.agent.start();
    await this.#whileAgentRuns(this.waitForLeaseRenewal(since));
  }

  /** `wait`, failing at once (with the log's tail) if the agent exits first. */
  async #whileAgentRuns<T>(wait: Promise<T>): Promise<T> {
    const exited = this.agent.exited().then(async (how) => {
      throw new Error(`berth agent exited (${String(how)}):\n${await this.agent.tail()}`);
    });
    exited.catch(() => undefined);
    return Promise.race([wait, exited]);
  }

  /** SIGTERM to the agent: it stops without touching running pods. */
  async stopAgent(): Promise<number | string | undefined> {
    return this.agent.stop();
  }

  /**
   * Stops the API server (SIGTERM) and starts it again on the same port and data. Throws, once it
   * runs again, when it did not exit 0 on SIGTERM.
   */
  async restartApiServer(downMs = 0): Promise<void> {
    const exit = await this.apiserver.stop();
    if (downMs > 0) await sleep(downMs);
    await this.startApiServer();
    if (exit !== 0) throw new Error(`berth apiserver exited with ${String(exit)} on SIGTERM, not 0`);
  }

  /** Starts the stopped API server again on the same port and data and waits until it answers. */
  async startApiServer(): Promise<void> {
    await this.apiserver.start();
    await waitApiReady(this.apiserver, this.adminKubeconfig);
  }

  /** Stops the runtime daemon and starts it again (scripts/runtime-env.sh stop-/start-daemon). */
  async restartRuntimeDaemon(): Promise<void> {
    const script = process.env.BERTH_RUNTIME_ENV ?? join(REPO_ROOT, "scripts", "runtime-env.sh");
    await run("bash", [script, "stop-daemon", this.runtimeKind], { timeout: 120_000 });
    await run("bash", [script, "start-daemon", this.runtimeKind], { timeout: 120_000 });
    // The socket answers before containerd's CRI plugin has loaded ("server is not initialized
    // yet"): wait until a list goes through.
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        await this.runtime.listPodSandboxes();
        return;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await sleep(200);
      }
    }
  }

  // ---- the end ----------------------------------------------------------------------------------

  /**
   * What the agent left of pods that are gone from the API: their sandboxes and containers (by
   * the node's label) and their pod cgroups, waiting up to `waitMs` for a cleanup in progress.
   * An empty list when it left nothing.
   */
  async deletedPodLeftovers(waitMs = DELETED_POD_CLEANUP_WAIT_MS): Promise<string[]> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const pods = await this.api.list<IPod>(resourcePath({ resource: "pods" }), {
        fieldSelector: `spec.nodeName=${this.nodeName}`,
      });
      const live = new Set(pods.items.map((p) => p.metadata?.uid ?? ""));
      const left: string[] = [];
      for (const [uid, objects] of await nodeObjectsByPod(this.runtime, this.nodeName)) {
        if (live.has(uid)) continue;
        if (objects.containers.length > 0)
          left.push(`pod ${uid}: containers ${objects.containers.join(", ")}`);
        if (objects.sandboxes.length > 0) left.push(`pod ${uid}: sandboxes ${objects.sandboxes.join(", ")}`);
      }
      for (const [uid, paths] of await podCgroupsUnder(this.cgroupRoot)) {
        if (!live.has(uid)) left.push(`pod ${uid}: cgroups ${paths.join(", ")}`);
      }
      if (left.length === 0 || Date.now() > deadline) return left;
      await sleep(500);
    }
  }

  /**
   * Stops the agent, removes every sandbox, container and cgroup of this node's pods from the
   * runtime and the machine, stops the API server and removes the temp dir. Throws, after doing
   * all of it, if anything could not be removed, if the agent left anything of a pod deleted from
   * the API (it must remove those itself), or if the agent or the API server did not exit 0 on
   * SIGTERM. `deletedPodWaitMs`: how long the agent gets to finish removing deleted pods' objects.
   */
  async stop(deletedPodWaitMs = DELETED_POD_CLEANUP_WAIT_MS): Promise<void> {
    const failures: string[] = [];
    if (this.agent.running && this.apiserver.running) {
      try {
        const left = await this.deletedPodLeftovers(deletedPodWaitMs);
        if (left.length > 0) {
          failures.push(`the agent left behind objects of deleted pods:\n  ${left.join("\n  ")}`);
        }
      } catch (err) {
        failures.push(`looking for objects of deleted pods: ${String(err)}`);
      }
    }
    const agentRan = this.agent.running;
    const agentExit = await this.agent.stop();
    if (agentRan && agentExit !== 0) {
      failures.push(
        `berth agent exited with ${String(agentExit)} on SIGTERM, not 0:\n${await this.agent.tail(30)}`,
      );
    }
    if (this.apiserver.running) {
      try {
        const pods = await this.api.list<IPod>(resourcePath({ resource: "pods" }), {
          fieldSelector: `spec.nodeName=${this.nodeName}`,
        });
        for (const pod of pods.items) {
          if (pod.metadata?.uid) this.#uids.add(pod.metadata.uid);
          // A mirror pod's config.hash is its static pod's uid, the one in the runtime's labels.
          const hash = pod.metadata?.annotations?.["kubernetes.io/config.hash"];
          if (hash) this.#uids.add(hash);
        }
      } catch (err) {
        failures.push(`listing the node's pods: ${String(err)}`);
      }
    }
    await removePodsFromRuntime(this.runtime, this.#uids, failures);
    await removeCgroupRoot(this.cgroupRoot, failures);
    await unmountUnder(this.dir, failures);
    await this.runtime.close().catch(() => undefined);
    await this.api.close().catch(() => undefined);
    const apiRan = this.apiserver.running;
    const apiExit = await this.apiserver.stop();
    if (apiRan && apiExit !== 0) {
      failures.push(
        `berth apiserver exited with ${String(apiExit)} on SIGTERM, not 0:\n${await this.apiserver.tail(30)}`,
      );
    }
    if (failures.length === 0) await rm(this.dir, { recursive: true, force: true });
    else
      throw new Error(`stopping ${this.nodeName} failed (logs kept in ${this.dir}):\n${failures.join("\n")}`);
  }
}
