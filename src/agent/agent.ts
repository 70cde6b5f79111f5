/**
 * The node agent, composed from its rooms (kubelet: NewMainKubelet + Run): the container runtime
 * adapter, the API client from the node's kubeconfig, the event recorder, the node controller
 * (registration, status, lease), pod cgroups and the pod manager. The node starts first; pods start
 * once the Node is registered and the runtime answers. stop() stops watching, syncing and
 * heartbeating but never touches running pods: a restarted agent picks them up from the runtime.
 */
import { HostGwRoutes, ipRouteTable, type RouteTable } from "./network/index.js";
import { mkdir } from "node:fs/promises";
import { release } from "node:os";
import { join } from "node:path";
import type { IPod } from "kubernetes-models/v1";
import { ApiClient, loadKubeconfig } from "../api/index.js";
import {
  Backoff,
  BerthError,
  ErrorCode,
  errorMessage,
  systemClock,
  type Clock,
  type Logger,
} from "../common/index.js";
import { EVICTION_MONITORING_PERIOD_MS, kubeletConfigz, type AgentConfig } from "../config/index.js";
import type { ContainerRuntime, RuntimeVersion } from "../runtime/index.js";
import { nodeAdmission } from "./agent-admission.js";
import { bootstrapClientCredentials } from "./certificates/index.js";
import { kubepodsLimit, nodeFacts } from "./agent-node-facts.js";
import { readHostResolver, type HostResolver } from "./agent-host-dns.js";
import { ApiEventRecorder } from "./events/index.js";
import {
  diskReclaimer,
  EvictionManager,
  NodeStatsReader,
  parseThresholdConfig,
  RuntimePodStats,
  type UnusedImageCollector,
} from "./eviction/index.js";
import { NodeController, type CapacitySource } from "./node/index.js";
import {
  createPodConversions,
  isTerminalPhase,
  PodManager,
  podLogsDirectory,
  type PodCgroupManager,
} from "./pods/index.js";
import { DEFAULT_CGROUP_MOUNT, PodCgroups } from "./resources/index.js";
import {
  hostHasAppArmor,
  RuntimeClassGetter,
  safeSysctls,
  SECCOMP_ROOT_NAME,
  SecurityAdmission,
  SysctlAllowlist,
} from "./security/index.js";
import { EMPTY_DIR_PLUGIN, podDirectory } from "./volumes/index.js";
import { AgentServer, ProbeResults, StatsProvider } from "./server/index.js";
import { KubeletMetrics, instrumentRuntime } from "./metrics/index.js";
import { ContainerLogManager } from "./logs/index.js";
import { ImageGarbageCollector } from "./images-gc/index.js";

/** The user agent of the agent's API requests (kubelet: "kubelet/VERSION"). */
export const AGENT_USER_AGENT = "berth-agent";
/**
 * Connections the agent's API client uses for requests other than watches (each watch holds one
 * of its own). HTTP/1.1 needs a connection per request in flight, and a TLS connection costs about
 * 100 KiB: a burst of pod starts would otherwise open one per status write and event (kubelet:
 * client-go multiplexes its requests over one HTTP/2 connection).
 */
export const AGENT_API_REQUEST_CONNECTIONS = 8;
/** First and longest wait between attempts to reach the runtime at start-up. */
export const RUNTIME_WAIT_INITIAL_MS = 500;
export const RUNTIME_WAIT_MAX_MS = 10_000;
/** kubelet: the PLEG runtime health check's name, as in "PLEG is not healthy: ...". */
export const PLEG_CHECK_NAME = "PLEG";
const PLEG_MESSAGE_PREFIX = `${PLEG_CHECK_NAME} is not healthy: `;
/** Sub-directories of --root-dir: pod volumes and termination-message files, container logs. */
export const PODS_DIR_NAME = "pods";
/** kubelet: --cert-dir defaults to rootDir/pki (serving and client certificates). */
export const PKI_DIR_NAME = "pki";
export const LOGS_DIR_NAME = "logs";

export interface AgentOptions {
  readonly config: AgentConfig;
  readonly logger: Logger;
  readonly clock?: Clock;
  /** Injected parts, for tests and hollow nodes; built from the config when absent. */
  readonly runtime?: ContainerRuntime;
  readonly client?: ApiClient;
  readonly capacitySource?: CapacitySource;
  readonly cgroups?: PodCgroupManager;
  readonly hostResolver?: HostResolver;
  /** The host's routing table for podRoutes host-gw; iproute2 unless a test passes a fake. */
  readonly routeTable?: RouteTable;
  /** The image collector the eviction manager reclaims disk with; the agent's own when absent. */
  readonly imageCollector?: UnusedImageCollector;
}

/** The pod cgroup manager with cgroupsPerQOS off: pods go to the runtime's default parent. */
const NO_POD_CGROUPS: PodCgroupManager = {
  ensure: async () => "",
  remove: async () => undefined,
  list: () => [],
};

/**
 * Builds the configured adapter. Each adapter's module is imported only when chosen: the gRPC stack
 * (CRI) and dockerode with its ssh2/tar dependencies weigh several MiB of heap and code that a node
 * using the other runtime, or an injected one, never needs.
 */
async function createRuntime(config: AgentConfig, logger: Logger): Promise<ContainerRuntime> {
  switch (config.runtime) {
    case "containerd": {
      const { createCriRuntime } = await import("../runtime/cri/index.js");
      return createCriRuntime({
        endpoint: config.runtimeEndpoint,
        logger,
        timeoutMs: config.runtimeRequestTimeout,
      });
    }
    case "docker": {
      const { createDockerRuntime } = await import("../runtime/docker/index.js");
      return createDockerRuntime({
        endpoint: config.runtimeEndpoint,
        podInfraImage: config.podInfraImage,
        logger,
        logRotation: { maxSizeBytes: config.containerLogMaxSize, maxFiles: config.containerLogMaxFiles },
      });
    }
  }
}

interface Parts {
  runtime?: ContainerRuntime;
  client?: ApiClient;
  recorder?: ApiEventRecorder;
  node?: NodeController;
  pods?: PodManager;
  eviction?: EvictionManager;
  imageGc?: ImageGarbageCollector;
  server?: AgentServer;
  routes?: HostGwRoutes;
}

export class Agent {
  /** Resolves once the Node is registered and the pod manager has listed and relisted. */
  readonly ready: Promise<void>;
  readonly #o: AgentOptions;
  readonly #config: AgentConfig;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #stop = new AbortController();
  readonly #parts: Parts = {};
  /** The safe sysctls this kernel has plus allowedUnsafeSysctls, checked in the constructor. */
  readonly #sysctls: SysctlAllowlist;
  /** Probe results for /metrics/probes: the prober records into it. */
  readonly probeResults = new ProbeResults();
  /** The kubelet's metrics for /metrics: the runtime calls, pod workers, sync and relist record into it. */
  readonly metrics = new KubeletMetrics();
  #starting: Promise<void> | undefined;
  #stopped: Promise<void> | undefined;
  #resolveReady!: () => void;
  #rejectReady!: (err: unknown) => void;
  #onPressureChange: () => void = () => undefined;

  constructor(options: AgentOptions) {
    this.#o = options;
    this.#config = options.config;
    this.#clock = options.clock ?? systemClock;
    this.#log = options.logger.child({ component: "agent", node: options.config.nodeName });
    // kubelet: NewAllowlist(SafeSysctlAllowlist() + allowedUnsafeSysctls) refuses to start on a bad pattern.
    try {
      this.#sysctls = new SysctlAllowlist([
        ...safeSysctls(release()),
        ...options.config.allowedUnsafeSysctls,
      ]);
    } catch (err) {
      throw new BerthError(ErrorCode.Config, `config: allowedUnsafeSysctls: ${errorMessage(err)}`, {
        cause: err,
      });
    }
    this.ready = new Promise<void>((resolve, reject) => {
      this.#resolveReady = resolve;
      this.#rejectReady = reject;
    });
    this.ready.catch(() => undefined);
  }

  /** Starts the parts in order; `ready` tells how it went. Aborting the signal stops the loops. */
  start(signal: AbortSignal): void {
    if (this.#starting !== undefined) throw new BerthError(ErrorCode.Invalid, "agent already started");
    const forward = (): void => this.#stop.abort(signal.reason);
    if (signal.aborted) forward();
    else signal.addEventListener("abort", forward, { once: true });
    this.#starting = this.#start(this.#stop.signal).then(this.#resolveReady, (err: unknown) => {
      this.#rejectReady(err);
      if (!this.#stop.signal.aborted) this.#log.error({ err: errorMessage(err) }, "agent start failed");
    });
  }

  /** Stops pods' machinery, then the node's, then closes connections; running pods are left alone. */
  stop(): Promise<void> {
    this.#stopped ??= this.#shutdown();
    return this.#stopped;
  }

  async #start(signal: AbortSignal): Promise<void> {
    const config = this.#config;
    const parts = this.#parts;
    const podsDir = join(config.rootDir, PODS_DIR_NAME);
    const logsDir = join(config.rootDir, LOGS_DIR_NAME);
    await mkdir(podsDir, { recursive: true });
    await mkdir(logsDir, { recursive: true });
    const hostResolver = this.#o.hostResolver ?? (await readHostResolver(config.resolvConf));

    parts.runtime = instrumentRuntime(
      this.#o.runtime ?? (await createRuntime(config, this.#o.logger.child({ component: "runtime" }))),
      this.metrics,
      this.#clock,
    );
    if (this.#o.client === undefined && config.bootstrapKubeconfig !== undefined) {
      await bootstrapClientCredentials({
        kubeconfig: config.kubeconfig,
        bootstrapKubeconfig: config.bootstrapKubeconfig,
        nodeName: config.nodeName,
        dir: join(config.rootDir, PKI_DIR_NAME),
        clock: this.#clock,
        logger: this.#o.logger.child({ component: "client-bootstrap" }),
        signal,
        userAgent: AGENT_USER_AGENT,
      });
    }
    parts.client =
      this.#o.client ??
      (await ApiClient.fromKubeconfig(config.kubeconfig, {
        userAgent: AGENT_USER_AGENT,
        requestConnections: AGENT_API_REQUEST_CONNECTIONS,
      }));
    const { runtime, client } = parts;
    parts.recorder = new ApiEventRecorder({
      client,
      host: config.nodeName,
      clock: this.#clock,
      logger: this.#o.logger,
      recordQps: config.eventRecordQPS,
      recordBurst: config.eventBurst,
    });
    const eviction = this.#evictionManager(runtime, parts.recorder, podsDir, logsDir);
    parts.eviction = eviction;
    const node = new NodeController({
      client,
      nodeName: config.nodeName,
      runtime,
      clock: this.#clock,
      logger: this.#o.logger,
      recorder: parts.recorder,
      config: {
        maxPods: config.maxPods,
        systemReserved: config.systemReserved,
        kubeReserved: config.kubeReserved,
        evictionHard: config.evictionHard,
        nodeStatusUpdateFrequency: config.nodeStatusUpdateFrequency,
        nodeStatusReportFrequency: config.nodeStatusReportFrequency,
        nodeLeaseDurationSeconds: config.nodeLeaseDurationSeconds,
        port: config.port,
        rootDir: config.rootDir,
        ...(config.nodeIPs[0] !== undefined ? { nodeIP: config.nodeIPs[0] } : {}),
      },
      ...(this.#o.capacitySource !== undefined ? { capacitySource: this.#o.capacitySource } : {}),
      pressure: () => eviction.pressure(),
    });
    parts.node = node;
    node.start(signal);
    await node.ready;
    const version = await this.#waitForRuntime(runtime, signal);

    if (config.podRoutes === "host-gw") {
      // Routes left in place when the agent stops: pods on other nodes stay reachable meanwhile.
      parts.routes = new HostGwRoutes({
        client,
        nodeName: config.nodeName,
        table: this.#o.routeTable ?? ipRouteTable,
        clock: this.#clock,
        logger: this.#o.logger,
      });
      parts.routes.start(signal);
    }

    const facts = nodeFacts(node, hostResolver, config);
    const runtimeClasses = new RuntimeClassGetter({ client, clock: this.#clock });
    const appArmorEnabled = await hostHasAppArmor();
    const security = new SecurityAdmission({
      sysctls: this.#sysctls,
      appArmorEnabled,
      runtimeHandler: (name) => runtimeClasses.handler(name),
    });
    const cgroups = this.#o.cgroups ?? this.#podCgroups(kubepodsLimit(node.node(), config));
    const pods = new PodManager({
      client,
      nodeName: config.nodeName,
      runtime,
      recorder: parts.recorder,
      clock: this.#clock,
      cgroups,
      conversions: createPodConversions({
        images: runtime,
        nodeName: config.nodeName,
        podsDir,
        logsDir,
        node: facts,
        runtimeName: runtime.name,
        seccomp: { root: join(config.rootDir, SECCOMP_ROOT_NAME), seccompDefault: config.seccompDefault },
      }),
      admit: nodeAdmission(node, { pressure: eviction, security }),
      runtimeHandler: (pod) => runtimeClasses.handler(pod.spec?.runtimeClassName),
      podsDir,
      logsDir,
      logger: this.#o.logger,
      config: {
        syncFrequencyMs: config.syncFrequency,
        ...(config.crashBackoffInitial === undefined
          ? {}
          : { crashBackoffInitialMs: config.crashBackoffInitial }),
      },
      staticPods: {
        staticPodPath: config.staticPodPath,
        staticPodURL: config.staticPodURL,
        fileCheckFrequencyMs: config.fileCheckFrequency,
        httpCheckFrequencyMs: config.httpCheckFrequency,
      },
      metrics: this.metrics,
    });
    parts.pods = pods;
    pods.start(signal);
    await pods.ready;
    eviction.start(signal);
    // kubelet: a change of the pressure conditions reaches the Node without waiting for the next update.
    this.#onPressureChange = () => {
      node.syncStatus().catch((err: unknown) => {
        this.#log.warn({ err: errorMessage(err) }, "node status not written after a pressure change");
      });
    };
    // kubelet: the PLEG health check holds the node NotReady when the runtime has not been relisted
    // for 3 minutes. Added once the first relist is done, so a starting agent is not reported unhealthy.
    node.addHealthCheck(PLEG_CHECK_NAME, () => {
      const health = pods.health();
      if (health.healthy) return undefined;
      return health.message.startsWith(PLEG_MESSAGE_PREFIX)
        ? health.message.slice(PLEG_MESSAGE_PREFIX.length)
        : health.message;
    });
    // Docker rotates its own logs (json-file options set at create); CRI runtimes need the agent.
    if (runtime.name !== "docker") {
      void new ContainerLogManager({
        runtime,
        maxSizeBytes: config.containerLogMaxSize,
        maxFiles: config.containerLogMaxFiles,
        clock: this.#clock,
        logger: this.#o.logger,
      }).start(signal);
    }
    parts.imageGc = new ImageGarbageCollector({
      runtime,
      policy: {
        highThresholdPercent: config.imageGCHighThresholdPercent,
        lowThresholdPercent: config.imageGCLowThresholdPercent,
        minAgeMs: config.imageMinimumGCAge,
        maxAgeMs: config.imageMaximumGCAge,
      },
      periodMs: config.imageGCPeriod,
      pinnedImages: [config.podInfraImage],
      nodeName: config.nodeName,
      recorder: parts.recorder,
      clock: this.#clock,
      logger: this.#o.logger,
    });
    parts.imageGc.start(signal);
    await this.#startServer(node, runtime, client, signal).catch((err: unknown) =>
      this.#log.error({ err: errorMessage(err) }, "agent server not started"),
    );
    this.#log.info(
      {
        runtime: config.runtime,
        runtimeVersion: `${version.runtimeName}://${version.runtimeVersion}`,
        endpoint: config.runtimeEndpoint,
      },
      "agent ready",
    );
  }

  /**
   * The HTTPS server (logs, exec, stats, metrics) starts once the Node reports its addresses: its
   * serving certificate names them. It comes up in the background; a failure is logged and
   * leaves pods running.
   */
  async #startServer(
    node: NodeController,
    runtime: ContainerRuntime,
    client: ApiClient,
    signal: AbortSignal,
  ): Promise<void> {
    const config = this.#config;
    const podSource = { pods: () => this.pods() };
    const addresses = node.node()?.status?.addresses ?? [];
    const dnsNames = [
      ...new Set([config.nodeName, ...addresses.filter((a) => a.type === "Hostname").map((a) => a.address)]),
    ];
    const ipAddresses = [...new Set(addresses.filter((a) => a.type.endsWith("IP")).map((a) => a.address))];
    const clusterCaPem = (await loadKubeconfig(config.kubeconfig)).caPem ?? "";
    const stats = new StatsProvider({
      runtime,
      pods: podSource,
      clock: this.#clock,
      nodeName: config.nodeName,
      startTime: new Date(this.#clock.now()),
      metrics: async () =>
        (await import("./server/metrics.js")).createMetrics({
          nodeName: config.nodeName,
          runtime,
          pods: podSource,
          probes: this.probeResults,
          kubelet: this.metrics,
        }),
    });
    const server = new AgentServer({
      config,
      configz: kubeletConfigz(config),
      client,
      clusterCaPem,
      runtime,
      pods: podSource,
      stats,
      names: { dnsNames, ipAddresses },
      clock: this.#clock,
      logger: this.#o.logger,
    });
    this.#parts.server = server;
    server.start(signal);
  }

  /** The HTTPS server's port once it listens (0 before). */
  get serverPort(): number {
    return this.#parts.server?.port ?? 0;
  }

  get config(): AgentConfig {
    return this.#config;
  }

  /** Image garbage collection, once the runtime answered (eviction frees disk through it). */
  get imageGarbageCollector(): ImageGarbageCollector | undefined {
    return this.#parts.imageGc;
  }

  /** The pods bound to this node as the agent last saw them (empty before the pod manager runs). */
  pods(): IPod[] {
    return this.#parts.pods?.pods() ?? [];
  }

  /**
   * The eviction manager: the node's signals from the cgroup root and statfs of the root dir,
   * pods' usage from the runtime and their volume and log directories; it kills through the pod
   * manager and reclaims dead containers (and images, with an image collector) before disk evictions.
   */
  #evictionManager(
    runtime: ContainerRuntime,
    recorder: ApiEventRecorder,
    podsDir: string,
    logsDir: string,
  ): EvictionManager {
    const config = this.#config;
    const log = this.#o.logger;
    const pods = (): PodManager | undefined => this.#parts.pods;
    return new EvictionManager({
      config: {
        thresholds: parseThresholdConfig(config),
        monitoringPeriodMs: config.evictionMonitoringPeriod ?? EVICTION_MONITORING_PERIOD_MS,
        pressureTransitionPeriodMs: config.evictionPressureTransitionPeriod,
        maxPodGracePeriodSeconds: config.evictionMaxPodGracePeriod,
        localStorageCapacityIsolation: config.localStorageCapacityIsolation,
      },
      node: new NodeStatsReader({ cgroupMount: DEFAULT_CGROUP_MOUNT, nodefsPath: config.rootDir, log }),
      podStats: new RuntimePodStats({
        runtime,
        nodeName: config.nodeName,
        emptyDirPath: (uid, volume) => join(podDirectory(podsDir, uid), "volumes", EMPTY_DIR_PLUGIN, volume),
        containerLogsPath: (pod, container) =>
          join(
            podLogsDirectory(
              logsDir,
              pod.metadata?.namespace ?? "default",
              pod.metadata?.name ?? "",
              pod.metadata?.uid ?? "",
            ),
            container,
          ),
        log,
      }),
      activePods: () =>
        (pods()?.pods() ?? []).filter(
          (p) => !isTerminalPhase(p.status?.phase) && !p.metadata?.deletionTimestamp,
        ),
      killPod: async (pod, eviction) => {
        const manager = pods();
        if (manager === undefined) throw new BerthError(ErrorCode.Internal, "pod manager not started");
        await manager.killPod(pod, eviction);
      },
      reclaimer: diskReclaimer(
        async () => pods()?.deleteAllUnusedContainers(),
        // the agent's own image collector, built once the runtime answers
        this.#o.imageCollector ?? {
          deleteUnusedImages: async () => (await this.#parts.imageGc?.deleteUnusedImages()) ?? 0,
        },
      ),
      recorder,
      clock: this.#clock,
      logger: log,
      onConditionsChange: () => this.#onPressureChange(),
      metrics: this.metrics,
    });
  }

  #podCgroups(
    limit: { readonly cpuMilli: number; readonly memoryBytes: number } | undefined,
  ): PodCgroupManager {
    if (!this.#config.cgroupsPerQOS) return NO_POD_CGROUPS;
    return new PodCgroups({
      driver: this.#config.cgroupDriver,
      version: "auto",
      cgroupRoot: this.#config.cgroupRoot,
      logger: this.#o.logger,
      ...(limit !== undefined ? { podsAllocatable: limit } : {}),
      ...(this.#config.podPidsLimit !== undefined ? { podPidsLimit: this.#config.podPidsLimit } : {}),
    });
  }

  /** kubelet: the runtime must answer Version before pods are synced; retried with backoff. */
  async #waitForRuntime(runtime: ContainerRuntime, signal: AbortSignal): Promise<RuntimeVersion> {
    const backoff = new Backoff({
      initialMs: RUNTIME_WAIT_INITIAL_MS,
      maxMs: RUNTIME_WAIT_MAX_MS,
      clock: this.#clock,
    });
    for (;;) {
      try {
        return await runtime.version();
      } catch (err) {
        if (signal.aborted) throw err;
        this.#log.warn(
          { err: errorMessage(err), endpoint: this.#config.runtimeEndpoint },
          "container runtime not answering; retrying",
        );
        await backoff.wait(signal);
      }
    }
  }

  async #shutdown(): Promise<void> {
    this.#stop.abort();
    await this.#starting;
    const { pods, imageGc, node, recorder, client, runtime, server, eviction, routes } = this.#parts;
    const step = async (what: string, fn: (() => Promise<void>) | undefined): Promise<void> => {
      try {
        await fn?.();
      } catch (err) {
        this.#log.warn({ err: errorMessage(err), step: what }, "agent stop step failed");
      }
    };
    await step("server", server && (() => server.stop()));
    await step("eviction", eviction && (() => eviction.stop()));
    await step("pods", pods && (() => pods.stop()));
    await step("image gc", imageGc && (() => imageGc.stop()));
    await step("pod routes", routes && (() => routes.stop()));
    await step("node", node && (() => node.stop()));
    await step("events", recorder && (() => recorder.close()));
    if (this.#o.client === undefined) await step("api client", client && (() => client.close()));
    if (this.#o.runtime === undefined) await step("runtime", runtime && (() => runtime.close()));
    this.#rejectReady(new BerthError(ErrorCode.Internal, "agent stopped before it was ready"));
    this.#log.info("agent stopped; running pods left as they are");
  }
}
