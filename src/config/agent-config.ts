/**
 * The agent's resolved configuration: every default filled, every value checked, frozen. Field
 * names are KubeletConfiguration's wherever one exists; durations are resolved to milliseconds
 * (the field keeps its upstream name, the unit is in the doc comment), quantities to numbers.
 */

export type RuntimeKind = "containerd" | "docker";
export type CgroupDriver = "cgroupfs" | "systemd";
/** How pods reach pods on other nodes: nothing (another component's job) or host-gw routes. */
export type PodRoutes = "none" | "host-gw";

/** Where the agent's identity and connection come from (flags only, as with the kubelet). */
export interface AgentIdentity {
  /**
   * --kubeconfig: the node's credentials for the API server; with --bootstrap-kubeconfig, where the
   * bootstrapped ones are written (default rootDir/kubeconfig).
   */
  readonly kubeconfig: string;
  /** --bootstrap-kubeconfig: a bootstrap token's kubeconfig, used when --kubeconfig is missing or stale. */
  readonly bootstrapKubeconfig?: string;
  /** --node-name (kubelet: --hostname-override), else the host name in lower case. */
  readonly nodeName: string;
  /** --runtime. */
  readonly runtime: RuntimeKind;
  /** --runtime-endpoint, else the file's containerRuntimeEndpoint, else the runtime's default socket. */
  readonly runtimeEndpoint: string;
  /** --root-dir: pod directories (volumes, logs) live under it. */
  readonly rootDir: string;
  /** --config, when given. */
  readonly configFile?: string;
  /** --pod-infra-image: the pause image of Docker sandboxes. */
  readonly podInfraImage: string;
  /** --node-ip: one address per family; empty means "detect from the host". */
  readonly nodeIPs: readonly string[];
  /** BERTH_LOG_LEVEL, else "info". */
  readonly logLevel: string;
  /**
   * ms; BERTH_TEST_CRASH_BACKOFF_INITIAL (a Go duration), set only by the e2e harness so that a
   * test reaches a container's fifth crash in seconds. Absent: the kubelet's 10 s.
   */
  readonly crashBackoffInitial?: number;
  /**
   * ms; BERTH_TEST_EVICTION_MONITORING_PERIOD (a Go duration), set only by the e2e harness so that
   * the eviction manager observes the node every second. Absent: the kubelet's 10 s.
   */
  readonly evictionMonitoringPeriod?: number;
  /**
   * ms between image garbage collections: the kubelet's 5 minutes, or BERTH_TEST_IMAGE_GC_PERIOD
   * (a Go duration), set only by the e2e harness so that a test sees a collection in seconds.
   */
  readonly imageGCPeriod: number;
}

/** The KubeletConfiguration fields berth reads from --config. */
export interface KubeletSettings {
  readonly maxPods: number;
  readonly cgroupDriver: CgroupDriver;
  readonly cgroupRoot: string;
  readonly cgroupsPerQOS: boolean;
  /** Resource name (cpu, memory, ephemeral-storage, pid) -> quantity string. */
  readonly systemReserved: Readonly<Record<string, string>>;
  readonly kubeReserved: Readonly<Record<string, string>>;
  /** Eviction signal -> quantity ("100Mi") or percentage ("10%"). Replaces the defaults as a whole. */
  readonly evictionHard: Readonly<Record<string, string>>;
  /** Soft thresholds: acted on once met for their evictionSoftGracePeriod. */
  readonly evictionSoft: Readonly<Record<string, string>>;
  /** Eviction signal -> ms; every evictionSoft signal needs one. */
  readonly evictionSoftGracePeriod: Readonly<Record<string, number>>;
  /** Eviction signal -> quantity or percentage reclaimed beyond the threshold before pressure ends. */
  readonly evictionMinimumReclaim: Readonly<Record<string, string>>;
  /** ms: how long a pressure condition stays after its threshold is no longer met. */
  readonly evictionPressureTransitionPeriod: number;
  /** Seconds: the longest grace a soft eviction gives a pod (0: the kill is immediate). */
  readonly evictionMaxPodGracePeriod: number;
  /** Evict pods over their emptyDir sizeLimit or ephemeral-storage limits. */
  readonly localStorageCapacityIsolation: boolean;
  /** ms. */
  readonly nodeStatusUpdateFrequency: number;
  /** ms. */
  readonly nodeStatusReportFrequency: number;
  readonly nodeLeaseDurationSeconds: number;
  /** ms. */
  readonly syncFrequency: number;
  readonly serializeImagePulls: boolean;
  /** Only with serializeImagePulls false; absent means no limit. */
  readonly maxParallelImagePulls?: number;
  readonly registryPullQPS: number;
  readonly registryBurst: number;
  readonly eventRecordQPS: number;
  readonly eventBurst: number;
  readonly kubeAPIQPS: number;
  readonly kubeAPIBurst: number;
  readonly imageGCHighThresholdPercent: number;
  readonly imageGCLowThresholdPercent: number;
  /** ms. */
  readonly imageMinimumGCAge: number;
  /** ms; 0 turns age-based image collection off. */
  readonly imageMaximumGCAge: number;
  readonly port: number;
  readonly address: string;
  /** Plain-HTTP /healthz port on healthzBindAddress; 0 turns it off. */
  readonly healthzPort: number;
  readonly healthzBindAddress: string;
  /**
   * Request the serving certificate from the cluster (a kubernetes.io/kubelet-serving CSR) and
   * renew it before it expires; false serves a self-signed certificate. berth's default is true.
   */
  readonly serverTLSBootstrap: boolean;
  /** bytes. */
  readonly containerLogMaxSize: number;
  readonly containerLogMaxFiles: number;
  /** Absent means no per-pod pid limit (the file's -1). */
  readonly podPidsLimit?: number;
  /** ms. */
  readonly runtimeRequestTimeout: number;
  /** ms: how long an exec, attach or port-forward connection may carry nothing before it is closed. */
  readonly streamingConnectionIdleTimeout: number;
  /** The cluster DNS service's addresses; empty means pods use the host's resolver. */
  readonly clusterDNS: readonly string[];
  /** The cluster's DNS domain (e.g. "cluster.local"); search paths of cluster-first pods. */
  readonly clusterDomain: string;
  /** The host resolver file pods with dnsPolicy Default inherit; "" means none. */
  readonly resolvConf: string;
  /** A directory of static pod manifests; "" means none. */
  readonly staticPodPath: string;
  /**
   * berth's own field (no KubeletConfiguration counterpart): "host-gw" keeps a route to every
   * other node's spec.podCIDR via its InternalIP in the host's main table; "none" (the default)
   * never touches the host's routes.
   */
  readonly podRoutes: PodRoutes;
  /** A URL serving static pod manifests (a Pod or a PodList); "" means none. */
  readonly staticPodURL: string;
  /** ms: how often staticPodPath is read again. */
  readonly fileCheckFrequency: number;
  /** ms: how often staticPodURL is fetched again. */
  readonly httpCheckFrequency: number;
  /** RuntimeDefault seccomp for containers that set no profile (else Unconfined). */
  readonly seccompDefault: boolean;
  /**
   * Sysctls (names or `prefix*` patterns) pods may set beyond the safe set. The agent checks at
   * start that each is known to be namespaced.
   */
  readonly allowedUnsafeSysctls: readonly string[];
}

export interface AgentConfig extends AgentIdentity, KubeletSettings {}
