/**
 * The agent's defaults, named after what they mean; the upstream name is in each comment
 * (KubeletConfiguration v1beta1 defaults unless said otherwise). Durations are milliseconds.
 */

/** kubelet: KubeletConfiguration.maxPods default. */
export const DEFAULT_MAX_PODS = 110;
/** kubelet: cgroupDriver default. */
export const DEFAULT_CGROUP_DRIVER = "cgroupfs";
/** kubelet: cgroupRoot, "/" once cgroupsPerQOS is on (cmd/kubelet server.go). */
export const DEFAULT_CGROUP_ROOT = "/";
/** kubelet: cgroupsPerQOS default. */
export const DEFAULT_CGROUPS_PER_QOS = true;
/** kubelet: evictionHard defaults on Linux (pkg/kubelet/eviction/defaults_linux.go). */
export const DEFAULT_EVICTION_HARD: Readonly<Record<string, string>> = Object.freeze({
  "memory.available": "100Mi",
  "nodefs.available": "10%",
  "nodefs.inodesFree": "5%",
  "imagefs.available": "15%",
});
/** kubelet: evictionPressureTransitionPeriod default (5m): how long a pressure condition outlives its signal. */
export const EVICTION_PRESSURE_TRANSITION_PERIOD_MS = 5 * 60_000;
/** kubelet: evictionMaxPodGracePeriod default (0: a soft eviction kills with the pod's own grace, capped at 0). */
export const EVICTION_MAX_POD_GRACE_PERIOD_SECONDS = 0;
/** kubelet: localStorageCapacityIsolation default: emptyDir sizeLimit and ephemeral-storage limits are enforced. */
export const LOCAL_STORAGE_CAPACITY_ISOLATION = true;
/** kubelet: evictionMonitoringPeriod (10s), how often the eviction manager observes the node. */
export const EVICTION_MONITORING_PERIOD_MS = 10_000;
/** kubelet: nodeStatusUpdateFrequency default (10s): how often node status is computed. */
export const NODE_STATUS_UPDATE_FREQUENCY_MS = 10_000;
/** kubelet: nodeStatusReportFrequency default (5m): the longest gap between status writes. */
export const NODE_STATUS_REPORT_FREQUENCY_MS = 5 * 60_000;
/** kubelet: nodeLeaseDurationSeconds default; the lease is renewed every quarter of it. */
export const NODE_LEASE_DURATION_SECONDS = 40;
/** kubelet: syncFrequency default (1m): the full resync of every pod worker. */
export const SYNC_FREQUENCY_MS = 60_000;
/** kubelet: serializeImagePulls default. */
export const SERIALIZE_IMAGE_PULLS = true;
/** kubelet: registryPullQPS default (0 means no limit). */
export const REGISTRY_PULL_QPS = 5;
/** kubelet: registryBurst default. */
export const REGISTRY_BURST = 10;
/** kubelet: eventRecordQPS default (0 means no limit). */
export const EVENT_RECORD_QPS = 50;
/** kubelet: eventBurst default. */
export const EVENT_BURST = 100;
/** kubelet: kubeAPIQPS default. */
export const KUBE_API_QPS = 50;
/** kubelet: kubeAPIBurst default. */
export const KUBE_API_BURST = 100;
/** kubelet: imageGCHighThresholdPercent default. */
export const IMAGE_GC_HIGH_THRESHOLD_PERCENT = 85;
/** kubelet: imageGCLowThresholdPercent default. */
export const IMAGE_GC_LOW_THRESHOLD_PERCENT = 80;
/** kubelet: imageMinimumGCAge default (2m). */
export const IMAGE_MINIMUM_GC_AGE_MS = 2 * 60_000;
/** kubelet: imageMaximumGCAge default (0: unused images are never removed for their age alone). */
export const IMAGE_MAXIMUM_GC_AGE_MS = 0;
/** kubelet: ImageGCPeriod (5m), how often image garbage collection runs. */
export const IMAGE_GC_PERIOD_MS = 5 * 60_000;
/** kubelet: KubeletPort, the agent's HTTPS port published in daemonEndpoints. */
export const KUBELET_PORT = 10250;
/** kubelet: address default, where the agent's server listens. */
export const DEFAULT_ADDRESS = "0.0.0.0";
/** kubelet: healthzPort default; plain HTTP, /healthz only. */
export const HEALTHZ_PORT = 10248;
/** kubelet: healthzBindAddress default. */
export const HEALTHZ_BIND_ADDRESS = "127.0.0.1";
/**
 * kubelet: serverTLSBootstrap (default false there). berth requests its serving certificate from
 * the cluster by default so that the API server can verify the agent.
 */
export const SERVER_TLS_BOOTSTRAP = true;
/** kubelet: containerLogMaxSize default (10Mi), in bytes. */
export const CONTAINER_LOG_MAX_SIZE_BYTES = 10 * 1024 * 1024;
/** kubelet: containerLogMaxFiles default. */
export const CONTAINER_LOG_MAX_FILES = 5;
/** kubelet: runtimeRequestTimeout default (2m). */
export const RUNTIME_REQUEST_TIMEOUT_MS = 2 * 60_000;
/**
 * kubelet: streamingConnectionIdleTimeout default (4h): an exec, attach or port-forward connection
 * with nothing sent either way for this long is closed. A zero in the file means this default.
 */
export const STREAMING_CONNECTION_IDLE_TIMEOUT_MS = 4 * 60 * 60_000;

/** berth: podRoutes default; the agent leaves the host's routing table alone. */
export const DEFAULT_POD_ROUTES = "none";

/** kubelet: fileCheckFrequency default (20s): how often the static pod directory is read. */
export const FILE_CHECK_FREQUENCY_MS = 20_000;
/** kubelet: httpCheckFrequency default (20s): how often the static pod URL is fetched. */
export const HTTP_CHECK_FREQUENCY_MS = 20_000;

/** kubelet: resolvConf default. */
export const DEFAULT_RESOLV_CONF = "/etc/resolv.conf";

/** Which runtime adapter the agent drives when --runtime is not given (berth's choice). */
export const DEFAULT_RUNTIME = "containerd";
/** containerd's default CRI socket. */
export const DEFAULT_CONTAINERD_ENDPOINT = "unix:///run/containerd/containerd.sock";
/** dockerd's default socket. */
export const DEFAULT_DOCKER_ENDPOINT = "unix:///var/run/docker.sock";
/** kubelet: seccompDefault (off: a pod without a profile runs Unconfined). */
export const SECCOMP_DEFAULT = false;
/** kubelet: --root-dir is /var/lib/kubelet; berth keeps its own. */
export const DEFAULT_ROOT_DIR = "/var/lib/berth/agent";
/** With --bootstrap-kubeconfig and no --kubeconfig, the agent writes its kubeconfig here, under --root-dir. */
export const BOOTSTRAPPED_KUBECONFIG_FILE = "kubeconfig";
/** kubelet: the default pod sandbox image (registry.k8s.io/pause); only the Docker adapter runs it. */
export const DEFAULT_POD_INFRA_IMAGE = "registry.k8s.io/pause:3.10";
/** The config file's apiVersion and kind, when it states them. */
export const KUBELET_CONFIG_API_VERSION = "kubelet.config.k8s.io/v1beta1";
export const KUBELET_CONFIG_KIND = "KubeletConfiguration";
/** The log level when BERTH_LOG_LEVEL is not set. */
export const DEFAULT_LOG_LEVEL = "info";
