/**
 * What the agent's /configz serves: its settings as a KubeletConfiguration (kubelet.config.k8s.io/
 * v1beta1), written as the kubelet writes them: durations as Go durations ("4h0m0s"), the log size
 * as a quantity ("10Mi"), an unset pid limit as -1. Flag-only settings (kubeconfig, node name, root
 * directory) are not KubeletConfiguration fields and are left out, as the kubelet leaves them out;
 * containerRuntimeEndpoint is one, and podRoutes is berth's own field.
 */
import { Quantity } from "../common/quantity.js";
import type { AgentConfig, AgentIdentity, KubeletSettings } from "./agent-config.js";
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

/** Every flag-only setting, left out (a new one fails to compile until it is listed here). */
const FLAG_ONLY: Record<keyof AgentIdentity, true> = {
  kubeconfig: true,
  bootstrapKubeconfig: true,
  nodeName: true,
  runtime: true,
  runtimeEndpoint: true,
  rootDir: true,
  configFile: true,
  podInfraImage: true,
  nodeIPs: true,
  logLevel: true,
  crashBackoffInitial: true,
  evictionMonitoringPeriod: true,
  imageGCPeriod: true,
};

export function kubeletConfigz(config: AgentConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {
    kind: "KubeletConfiguration",
    apiVersion: "kubelet.config.k8s.io/v1beta1",
    containerRuntimeEndpoint: config.runtimeEndpoint,
  };
  for (const [key, value] of Object.entries(config)) {
    if (!Object.hasOwn(FLAG_ONLY, key) && value !== undefined) out[key] = value;
  }
  for (const key of DURATION_FIELDS) out[key] = formatGoDuration(config[key]);
  out.evictionSoftGracePeriod = Object.fromEntries(
    Object.entries(config.evictionSoftGracePeriod).map(([signal, ms]) => [signal, formatGoDuration(ms)]),
  );
  out.containerLogMaxSize = Quantity.fromValue(config.containerLogMaxSize, "BinarySI").toString();
  out.podPidsLimit = config.podPidsLimit ?? -1;
  return out;
}
