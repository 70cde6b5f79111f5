/**
 * The config file's fields: KubeletConfiguration names, each with its checker. A field not in this
 * table stops start-up ("unknown field"), as kubelet's strict decoding does.
 */
import type { CgroupDriver, KubeletSettings, PodRoutes } from "./agent-config.js";
import * as d from "./defaults.js";
import * as v from "./values.js";

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** What the file may set: the KubeletConfiguration settings plus the runtime endpoint. */
export type FileSettings = Partial<Mutable<KubeletSettings>> & { containerRuntimeEndpoint?: string };

type FieldApplier = (raw: unknown, out: FileSettings) => void;

const MAX_PORT = 65535;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export const FILE_FIELDS: Readonly<Record<string, FieldApplier>> = {
  // Accepted for compatibility with kubelet config files; checked by the resolver.
  apiVersion: () => {},
  kind: () => {},
  maxPods: (raw, out) => (out.maxPods = v.integer(raw, "maxPods", 1)),
  cgroupDriver: (raw, out) =>
    (out.cgroupDriver = v.oneOf<CgroupDriver>(raw, "cgroupDriver", ["cgroupfs", "systemd"])),
  cgroupRoot: (raw, out) => {
    const root = v.string(raw, "cgroupRoot");
    if (!root.startsWith("/"))
      throw v.configError("cgroupRoot", `must be an absolute path, not ${JSON.stringify(root)}`);
    out.cgroupRoot = root;
  },
  cgroupsPerQOS: (raw, out) => (out.cgroupsPerQOS = v.boolean(raw, "cgroupsPerQOS")),
  systemReserved: (raw, out) => (out.systemReserved = v.reservation(raw, "systemReserved")),
  kubeReserved: (raw, out) => (out.kubeReserved = v.reservation(raw, "kubeReserved")),
  evictionHard: (raw, out) => (out.evictionHard = v.evictionThresholds(raw, "evictionHard")),
  evictionSoft: (raw, out) => (out.evictionSoft = v.evictionThresholds(raw, "evictionSoft")),
  evictionSoftGracePeriod: (raw, out) => {
    const periods: Record<string, number> = {};
    for (const [signal, text] of Object.entries(v.mapping(raw, "evictionSoftGracePeriod"))) {
      const at = `evictionSoftGracePeriod[${JSON.stringify(signal)}]`;
      v.evictionSignal(signal, at);
      periods[signal] = v.duration(text, at, 0);
    }
    out.evictionSoftGracePeriod = Object.freeze(periods);
  },
  evictionMinimumReclaim: (raw, out) =>
    (out.evictionMinimumReclaim = v.evictionThresholds(raw, "evictionMinimumReclaim")),
  evictionPressureTransitionPeriod: (raw, out) =>
    (out.evictionPressureTransitionPeriod = v.duration(raw, "evictionPressureTransitionPeriod", 0)),
  evictionMaxPodGracePeriod: (raw, out) =>
    (out.evictionMaxPodGracePeriod = v.integer(raw, "evictionMaxPodGracePeriod", 0)),
  localStorageCapacityIsolation: (raw, out) =>
    (out.localStorageCapacityIsolation = v.boolean(raw, "localStorageCapacityIsolation")),
  nodeStatusUpdateFrequency: (raw, out) =>
    (out.nodeStatusUpdateFrequency = v.duration(raw, "nodeStatusUpdateFrequency", 1)),
  nodeStatusReportFrequency: (raw, out) =>
    (out.nodeStatusReportFrequency = v.duration(raw, "nodeStatusReportFrequency", 1)),
  nodeLeaseDurationSeconds: (raw, out) =>
    (out.nodeLeaseDurationSeconds = v.integer(raw, "nodeLeaseDurationSeconds", 1)),
  syncFrequency: (raw, out) => (out.syncFrequency = v.duration(raw, "syncFrequency", 1)),
  serializeImagePulls: (raw, out) => (out.serializeImagePulls = v.boolean(raw, "serializeImagePulls")),
  maxParallelImagePulls: (raw, out) => {
    // kubelet: null means no limit.
    if (raw !== null) out.maxParallelImagePulls = v.integer(raw, "maxParallelImagePulls", 1);
  },
  registryPullQPS: (raw, out) => (out.registryPullQPS = v.rate(raw, "registryPullQPS")),
  registryBurst: (raw, out) => (out.registryBurst = v.integer(raw, "registryBurst", 0)),
  eventRecordQPS: (raw, out) => (out.eventRecordQPS = v.rate(raw, "eventRecordQPS")),
  eventBurst: (raw, out) => (out.eventBurst = v.integer(raw, "eventBurst", 0)),
  kubeAPIQPS: (raw, out) => (out.kubeAPIQPS = v.rate(raw, "kubeAPIQPS")),
  kubeAPIBurst: (raw, out) => (out.kubeAPIBurst = v.integer(raw, "kubeAPIBurst", 0)),
  imageGCHighThresholdPercent: (raw, out) =>
    (out.imageGCHighThresholdPercent = v.integer(raw, "imageGCHighThresholdPercent", 0, 100)),
  imageGCLowThresholdPercent: (raw, out) =>
    (out.imageGCLowThresholdPercent = v.integer(raw, "imageGCLowThresholdPercent", 0, 100)),
  imageMinimumGCAge: (raw, out) => (out.imageMinimumGCAge = v.duration(raw, "imageMinimumGCAge", 0)),
  imageMaximumGCAge: (raw, out) => (out.imageMaximumGCAge = v.duration(raw, "imageMaximumGCAge", 0)),
  port: (raw, out) => (out.port = v.integer(raw, "port", 1, MAX_PORT)),
  address: (raw, out) => (out.address = v.ipAddress(raw, "address")),
  healthzPort: (raw, out) => (out.healthzPort = v.integer(raw, "healthzPort", 0, MAX_PORT)),
  healthzBindAddress: (raw, out) => (out.healthzBindAddress = v.ipAddress(raw, "healthzBindAddress")),
  serverTLSBootstrap: (raw, out) => (out.serverTLSBootstrap = v.boolean(raw, "serverTLSBootstrap")),
  containerLogMaxSize: (raw, out) => {
    const { quantity } = v.quantityText(raw, "containerLogMaxSize");
    const bytes = quantity.value();
    if (bytes <= 0n || bytes > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw v.configError(
        "containerLogMaxSize",
        `must be a positive size, not ${JSON.stringify(String(raw))}`,
      );
    }
    out.containerLogMaxSize = Number(bytes);
  },
  // kubelet validation: containerLogMaxFiles must be greater than 1.
  containerLogMaxFiles: (raw, out) => (out.containerLogMaxFiles = v.integer(raw, "containerLogMaxFiles", 2)),
  podPidsLimit: (raw, out) => {
    const limit = v.integer(raw, "podPidsLimit", -1);
    // -1 (the default) and 0 both mean no limit.
    if (limit > 0) out.podPidsLimit = limit;
    else delete out.podPidsLimit;
  },
  runtimeRequestTimeout: (raw, out) =>
    (out.runtimeRequestTimeout = v.duration(raw, "runtimeRequestTimeout", 1)),
  streamingConnectionIdleTimeout: (raw, out) => {
    // kubelet: a zero duration is defaulted, as if the field were absent.
    const ms = v.duration(raw, "streamingConnectionIdleTimeout", 0);
    out.streamingConnectionIdleTimeout = ms === 0 ? d.STREAMING_CONNECTION_IDLE_TIMEOUT_MS : ms;
  },
  clusterDNS: (raw, out) => {
    if (!Array.isArray(raw)) throw v.configError("clusterDNS", "must be a list of IP addresses");
    out.clusterDNS = Object.freeze(raw.map((ip, i) => v.ipAddress(ip, `clusterDNS[${i}]`)));
  },
  clusterDomain: (raw, out) => {
    const domain = v.string(raw, "clusterDomain").replace(/\.$/, "");
    if (domain !== "" && !DNS_SUBDOMAIN.test(domain)) {
      throw v.configError("clusterDomain", `${JSON.stringify(raw)} is not a DNS domain`);
    }
    out.clusterDomain = domain;
  },
  resolvConf: (raw, out) => {
    const path = v.string(raw, "resolvConf");
    if (path !== "" && !path.startsWith("/")) {
      throw v.configError("resolvConf", `must be an absolute path or "", not ${JSON.stringify(path)}`);
    }
    out.resolvConf = path;
  },
  podRoutes: (raw, out) => (out.podRoutes = v.oneOf<PodRoutes>(raw, "podRoutes", ["none", "host-gw"])),
  staticPodPath: (raw, out) => {
    const path = v.string(raw, "staticPodPath");
    if (path !== "" && !path.startsWith("/")) {
      throw v.configError("staticPodPath", `must be an absolute path or "", not ${JSON.stringify(path)}`);
    }
    out.staticPodPath = path;
  },
  staticPodURL: (raw, out) => {
    const url = v.string(raw, "staticPodURL");
    if (url !== "" && !/^https?:\/\//.test(url)) {
      throw v.configError("staticPodURL", `must be an http or https URL, not ${JSON.stringify(url)}`);
    }
    out.staticPodURL = url;
  },
  fileCheckFrequency: (raw, out) => (out.fileCheckFrequency = v.duration(raw, "fileCheckFrequency", 1)),
  httpCheckFrequency: (raw, out) => (out.httpCheckFrequency = v.duration(raw, "httpCheckFrequency", 1)),
  seccompDefault: (raw, out) => (out.seccompDefault = v.boolean(raw, "seccompDefault")),
  allowedUnsafeSysctls: (raw, out) => {
    if (!Array.isArray(raw))
      throw v.configError("allowedUnsafeSysctls", "must be a list of sysctl names or patterns");
    out.allowedUnsafeSysctls = Object.freeze(raw.map((s, i) => v.string(s, `allowedUnsafeSysctls[${i}]`)));
  },
  containerRuntimeEndpoint: (raw, out) =>
    (out.containerRuntimeEndpoint = v.string(raw, "containerRuntimeEndpoint")),
};

export const FILE_FIELD_NAMES: readonly string[] = Object.keys(FILE_FIELDS);
