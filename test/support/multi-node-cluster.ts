/**
 * A berth cluster of several nodes for end-to-end tests, made of the real programs: `berth
 * apiserver`, `berth scheduler`, `berth controller-manager` and one `berth agent` per node, every agent on the same runtime
 * (containerd or Docker from scripts/runtime-env.sh) with its own node name, root dir, cgroupRoot
 * and KubeletConfiguration. Nodes can join later (addNode). Stopping it removes every sandbox,
 * container and cgroup the nodes' pods left.
 */
import { execFile } from "node:child_process";
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { INode, IPod } from "kubernetes-models/v1";
import { stringify } from "yaml";
import { ApiClient, resourcePath } from "../../src/api/index.js";
import { createCriRuntime } from "../../src/runtime/cri/index.js";
import { createDockerRuntime } from "../../src/runtime/docker/index.js";
import { LABEL_POD_UID, type ContainerRuntime } from "../../src/runtime/index.js";
import { waitApiReady } from "./apiserver-process.js";
import { removeCgroupRoot } from "./cluster-cleanup.js";
import { BerthProcess, REPO_ROOT, berthMain } from "./cluster-process.js";
import { waitForObject } from "./cluster-watch.js";
import { KUBECTL, type RuntimeKind } from "./cluster.js";
import { testEnv } from "./env.js";

const run = promisify(execFile);
const NODE_READY_TIMEOUT_MS = 60_000;

export interface NodeSpec {
  /** Suffix of the node name (the cluster prefixes it to keep names unique on the runtime). */
  readonly name: string;
  /** Extra KubeletConfiguration fields (systemReserved, maxPods, ...). */
  readonly agentConfig?: Readonly<Record<string, unknown>>;
}

export interface ClusterNode {
  readonly name: string;
  readonly agent: BerthProcess;
  readonly cgroupRoot: string;
}

let serial = 0;

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

/** The node flags the agent runs with under systemd and up.sh (systemd/berth-agent.env). */
async function agentNodeFlags(runtime: RuntimeKind): Promise<string[]> {
  const file = join(REPO_ROOT, "systemd", "berth-agent.env");
  const name = runtime === "docker" ? "BERTH_AGENT_NODE_FLAGS_DOCKER" : "BERTH_AGENT_NODE_FLAGS";
  const match = new RegExp(`^${name}="([^"]*)"$`, "m").exec(await readFile(file, "utf8"));
  if (!match?.[1]) throw new Error(`${file} has no ${name}="..." line`);
  return match[1].split(/\s+/).filter(Boolean);
}

export class MultiNodeCluster {
  readonly nodes = new Map<string, ClusterNode>();
  readonly #uids = new Set<string>();
  readonly #prefix: string;

  private constructor(
    readonly runtimeKind: RuntimeKind,
    readonly dir: string,
    readonly adminKubeconfig: string,
    readonly api: ApiClient,
    readonly runtime: ContainerRuntime,
    readonly apiserver: BerthProcess,
    readonly scheduler: BerthProcess,
    readonly controllerManager: BerthProcess,
    id: string,
  ) {
    this.#prefix = `sched-${runtimeKind}-${id}`;
  }

  /**
   * Starts the API server, the scheduler, the controller manager and an agent per node; waits for
   * every node Ready.
   */
  static async start(runtime: RuntimeKind, nodes: readonly NodeSpec[]): Promise<MultiNodeCluster> {
    await access(berthMain()).catch(() => {
      throw new Error(`${berthMain()} is missing: run npm run build`);
    });
    const endpoint = runtime === "containerd" ? testEnv.containerdEndpoint() : testEnv.dockerEndpoint();
    const dir = await mkdtemp(join(tmpdir(), "berth-sched-"));
    const apiDir = join(dir, "apiserver");
    await mkdir(apiDir);
    const port = await freePort();
    const apiserver = new BerthProcess(
      "apiserver",
      ["apiserver", "--data-dir", apiDir, "--listen", `127.0.0.1:${port}`],
      join(dir, "apiserver.log"),
    );
    const adminKubeconfig = join(apiDir, "admin.kubeconfig");
    await apiserver.start();
    try {
      await waitApiReady(apiserver, adminKubeconfig);
    } catch (err) {
      await apiserver.stop();
      throw err;
    }
    const api = await ApiClient.fromKubeconfig(adminKubeconfig);
    const scheduler = new BerthProcess(
      "scheduler",
      ["scheduler", "--kubeconfig", adminKubeconfig],
      join(dir, "scheduler.log"),
    );
    const controllerManager = new BerthProcess(
      "controller-manager",
      ["controller-manager", "--kubeconfig", adminKubeconfig],
      join(dir, "controller-manager.log"),
    );
    const rt =
      runtime === "containerd"
        ? createCriRuntime({ endpoint })
        : createDockerRuntime({ endpoint, podInfraImage: testEnv.pauseImage() });
    const cluster = new MultiNodeCluster(
      runtime,
      dir,
      adminKubeconfig,
      api,
      rt,
      apiserver,
      scheduler,
      controllerManager,
      `${process.pid}-${++serial}`,
    );
    try {
      await scheduler.start();
      await controllerManager.start();
      await Promise.all(nodes.map((n) => cluster.addNode(n)));
    } catch (err) {
      await cluster.stop().catch(() => undefined);
      throw err;
    }
    return cluster;
  }

  /** The full node name of a spec's name. */
  nodeName(name: string): string {
    return `${this.#prefix}-${name}`;
  }

  /** Starts an agent for a new node and waits for the Node to be Ready. */
  async addNode(spec: NodeSpec): Promise<ClusterNode> {
    const name = this.nodeName(spec.name);
    const nodeDir = join(this.dir, name);
    await mkdir(nodeDir);
    const kubeconfig = join(nodeDir, "node.kubeconfig");
    const { stdout } = await run(process.execPath, [
      berthMain(),
      "kubeconfig",
      "node",
      name,
      "--data-dir",
      join(this.dir, "apiserver"),
    ]);
    await writeFile(kubeconfig, stdout, { mode: 0o600 });
    const cgroupRoot = `/berth-${name}`;
    const configFile = join(nodeDir, "agent.yaml");
    // No image garbage collection on the shared daemons (see cluster.ts).
    await writeFile(
      configFile,
      stringify({ cgroupRoot, imageGCHighThresholdPercent: 100, ...spec.agentConfig }),
    );
    const endpoint =
      this.runtimeKind === "containerd" ? testEnv.containerdEndpoint() : testEnv.dockerEndpoint();
    const agent = new BerthProcess(
      `agent ${name}`,
      [
        "agent",
        "--kubeconfig",
        kubeconfig,
        "--node-name",
        name,
        "--runtime",
        this.runtimeKind,
        "--runtime-endpoint",
        endpoint,
        "--root-dir",
        join(nodeDir, "agent"),
        "--config",
        configFile,
        "--pod-infra-image",
        testEnv.pauseImage(),
      ],
      join(nodeDir, "agent.log"),
      await agentNodeFlags(this.runtimeKind),
    );
    const node: ClusterNode = { name, agent, cgroupRoot };
    this.nodes.set(name, node);
    await agent.start();
    const exited = agent.exited().then(async (how) => {
      throw new Error(`berth agent ${name} exited (${String(how)}):\n${await agent.tail()}`);
    });
    exited.catch(() => undefined);
    await Promise.race([this.waitForNode(name, (n) => isReady(n), "Ready", NODE_READY_TIMEOUT_MS), exited]);
    return node;
  }

  /** kubectl with the admin kubeconfig; stdout. */
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

  /** Creates a pod (no nodeName: the scheduler places it). */
  async createPod(pod: IPod, namespace = "default"): Promise<IPod> {
    const created = await this.api.create<IPod>(resourcePath({ resource: "pods", namespace }), pod);
    if (created.metadata?.uid) this.#uids.add(created.metadata.uid);
    return created;
  }

  async waitForPod(
    name: string,
    accept: (pod: IPod) => boolean,
    what: string,
    timeoutMs = 60_000,
  ): Promise<IPod> {
    const pod = await waitForObject<IPod>(
      this.api,
      resourcePath({ resource: "pods", namespace: "default" }),
      name,
      (seen) => seen.object !== undefined && !seen.deleted && accept(seen.object),
      { timeoutMs, what: `pod ${name}: ${what}` },
    );
    if (pod === undefined) throw new Error(`pod ${name} vanished while waiting for ${what}`);
    return pod;
  }

  async waitForNode(
    name: string,
    accept: (node: INode) => boolean,
    what: string,
    timeoutMs = 30_000,
  ): Promise<INode> {
    const node = await waitForObject<INode>(
      this.api,
      resourcePath({ resource: "nodes" }),
      name,
      (seen) => seen.object !== undefined && !seen.deleted && accept(seen.object),
      { timeoutMs, what: `node ${name}: ${what}` },
    );
    if (node === undefined) throw new Error(`node ${name} vanished while waiting for ${what}`);
    return node;
  }

  /**
   * Stops and removes the containers, then the sandboxes, of this cluster's pods: one listing of
   * the shared runtime, filtered by pod uid, and a few removals at a time.
   */
  async #removeFromRuntime(failures: string[]): Promise<void> {
    const mine = (labels: Readonly<Record<string, string>> | undefined) =>
      this.#uids.has(labels?.[LABEL_POD_UID] ?? "");
    try {
      const containers = (await this.runtime.listContainers()).filter((x) => mine(x.labels));
      await inBatches(containers, async (x) => {
        try {
          await this.runtime.stopContainer(x.id, 0);
          await this.runtime.removeContainer(x.id);
        } catch (err) {
          failures.push(`removing container ${x.id}: ${String(err)}`);
        }
      });
      const sandboxes = (await this.runtime.listPodSandboxes()).filter((x) => mine(x.labels));
      await inBatches(sandboxes, async (x) => {
        try {
          await this.runtime.stopPodSandbox(x.id);
          await this.runtime.removePodSandbox(x.id);
        } catch (err) {
          failures.push(`removing sandbox ${x.id}: ${String(err)}`);
        }
      });
    } catch (err) {
      failures.push(`listing ${this.runtime.name} objects: ${String(err)}`);
    }
  }

  /** Log tails of the scheduler and the API server, for failure messages. */
  async tails(): Promise<string> {
    return (
      `---- scheduler log (tail)\n${await this.scheduler.tail(40)}\n` +
      `---- apiserver log (tail)\n${await this.apiserver.tail(20)}\n`
    );
  }

  /**
   * Kills the agents (their pods' runtime objects are removed here, so they need no graceful
   * stop), removes what the pods left in the runtime and the machine, stops the scheduler and the
   * API server and removes the temp dir. Throws, after all of it, if anything could not be removed.
   */
  async stop(): Promise<void> {
    const failures: string[] = [];
    await Promise.all([...this.nodes.values()].map((n) => n.agent.kill9()));
    await this.scheduler.stop();
    await this.controllerManager.stop();
    if (this.apiserver.running) {
      try {
        const pods = await this.api.list<IPod>(resourcePath({ resource: "pods" }));
        for (const pod of pods.items) if (pod.metadata?.uid) this.#uids.add(pod.metadata.uid);
      } catch (err) {
        failures.push(`listing pods: ${String(err)}`);
      }
    }
    await this.#removeFromRuntime(failures);
    for (const node of this.nodes.values()) await removeCgroupRoot(node.cgroupRoot, failures);
    await this.runtime.close().catch(() => undefined);
    await this.api.close().catch(() => undefined);
    await this.apiserver.stop();
    if (failures.length === 0) await rm(this.dir, { recursive: true, force: true });
    else throw new Error(`cleanup left things behind (logs kept in ${this.dir}):\n${failures.join("\n")}`);
  }
}

/** How many runtime objects cleanup removes at once. */
const CLEANUP_CONCURRENCY = 4;

async function inBatches<T>(items: readonly T[], each: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += CLEANUP_CONCURRENCY) {
    await Promise.all(items.slice(i, i + CLEANUP_CONCURRENCY).map(each));
  }
}

function isReady(node: INode): boolean {
  return node.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true;
}
