/**
 * What the agent's /configz serves: its settings as a KubeletConfiguration (kubelet.config.k8s.io/
 * v1beta1), written as the kubelet writes them: durations as Go durations ("4h0m0s"), the log size
 * as a quantity ("10Mi"), an unset pid limit as -1. Flag-only settings (kubeconfig, node name, root
 * directory) are not KubeletConfiguration fields and are left out, as the kubelet leaves them out;
 * containerRuntimeEndpoint is one, and podRoutes is berth's own field.
 */
import type { AgentConfig, KubeletSettings } from "./agent-config.js";
import { formatGoDuration } from "./duration.js";

/** The settings held in milliseconds that KubeletConfiguration writes as durations. */
const DURATION_FIELDS = [
  "evictionPressureTransitionPeriod",
  "nodeStatusUpdateFrequency",
  "nodeStatusReportFrequency",
  "syncFrequency",
  "imageMinimumGCAge",
  "imageMaximumGCAge",
  "runtimeRequestTimeout",
  "streamingConnectionIdleTimeout",
  "fileCheckFrequency",
  "httpCheckFrequency",
] as const satisfies readonly (keyof KubeletSettings)[];

const BINARY_SUFFIXES = [
  ["Ei", 2 ** 60],
  ["Pi", 2 ** 50],
  ["Ti", 2 ** 40],
  ["Gi", 2 ** 30],
  ["Mi", 2 ** 20],
  ["Ki", 2 ** 10],
] as const;

/** A byte count as a quantity: the largest binary suffix that divides it, else plain bytes. */
function bytesQuantity(bytes: number): string {
  for (const [suffix, unit] of BINARY_SUFFIXES) {
    if (bytes >= unit && bytes % unit === 0) return `${bytes / unit}${suffix}`;
  }
  return String(bytes);
}

export function kubeletConfigz(config: AgentConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {
    kind: "KubeletConfiguration",
    apiVersion: "kubelet.config.k8s.io/v1beta1",
    containerRuntimeEndpoint: config.runtimeEndpoint,
  };
  const settings: Record<keyof KubeletSettings, true> = {
    maxPods: true,
    cgroupDriver: true,
    cgroupRoot: true,
    cgroupsPerQOS: true,
    systemReserved: true,
    kubeReserved: true,
    evictionHard: true,
    evictionSoft: true,
    evictionSoftGracePeriod: true,
    evictionMinimumReclaim: true,
    evictionPressureTransitionPeriod: true,
    evictionMaxPodGracePeriod: true,
    localStorageCapacityIsolation: true,
    nodeStatusUpdateFrequency: true,
    nodeStatusReportFrequency: true,
    nodeLeaseDurationSeconds: true,
    syncFrequency: true,
    serializeImagePulls: true,
    maxParallelImagePulls: true,
    registryPullQPS: true,
    registryBurst: true,
    eventRecordQPS: true,
    eventBurst: true,
    kubeAPIQPS: true,
    kubeAPIBurst: true,
    imageGCHighThresholdPercent: true,
    imageGCLowThresholdPercent: true,
    imageMinimumGCAge: true,
    imageMaximumGCAge: true,
    port: true,
    address: true,
    healthzPort: true,
    healthzBindAddress: true,
    serverTLSBootstrap: true,
    containerLogMaxSize: true,
    containerLogMaxFiles: true,
    podPidsLimit: true,
    runtimeRequestTimeout: true,
    streamingConnectionIdleTimeout: true,
    clusterDNS: true,
    clusterDomain: true,
    resolvConf: true,
    staticPodPath: true,
    podRoutes: true,
    staticPodURL: true,
    fileCheckFrequency: true,
    httpCheckFrequency: true,
    seccompDefault: true,
    allowedUnsafeSysctls: true,
  };
  for (const key of Object.keys(settings) as (keyof KubeletSettings)[]) {
    if (config[key] !== undefined) out[key] = config[key];
  }
  for (const key of DURATION_FIELDS) out[key] = formatGoDuration(config[key]);
  out.evictionSoftGracePeriod = Object.fromEntries(
    Object.entries(config.evictionSoftGracePeriod).map(([signal, ms]) => [signal, formatGoDuration(ms)]),
  );
  out.containerLogMaxSize = bytesQuantity(config.containerLogMaxSize);
  out.podPidsLimit = config.podPidsLimit ?? -1;
  return out;
}
