/**
 * resolveAgentConfig: flags + config file text + environment -> one frozen AgentConfig. Defaults
 * come from ./defaults.ts; flags override the file; every problem is a Config BerthError whose
 * message names the flag or field.
 */
import { isIP } from "node:net";
import { hostname as osHostname } from "node:os";
import { join } from "node:path";
import { LineCounter, parseDocument } from "yaml";
import { BerthError, ErrorCode, errorMessage } from "../common/errors.js";
import { parseGoDuration } from "./duration.js";
import type { AgentConfig, AgentIdentity, KubeletSettings, RuntimeKind } from "./agent-config.js";
import * as d from "./defaults.js";
import { FILE_FIELD_NAMES, FILE_FIELDS, type FileSettings } from "./file-fields.js";
import { closestName } from "./suggest.js";
import { configError } from "./values.js";

/** The flags of `berth agent`, as parsed strings. */
export interface AgentFlags {
  readonly kubeconfig?: string;
  readonly bootstrapKubeconfig?: string;
  readonly nodeName?: string;
  readonly runtime?: string;
  readonly runtimeEndpoint?: string;
  readonly rootDir?: string;
  readonly config?: string;
  readonly podInfraImage?: string;
  readonly nodeIp?: string;
}

export interface ResolveAgentConfigInput {
  readonly flags: AgentFlags;
  /** The text of the --config file, when one is given. */
  readonly fileText?: string;
  /** The process environment (BERTH_LOG_LEVEL and the BERTH_TEST_* settings of the e2e harness). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The host name for the default node name; os.hostname() when absent. */
  readonly hostname?: string;
}

export const RUNTIMES: readonly RuntimeKind[] = ["containerd", "docker"];
const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function flagError(flag: string, message: string): BerthError {
  return new BerthError(ErrorCode.Config, `--${flag}: ${message}`, { details: { flag } });
}

export const DEFAULT_KUBELET_SETTINGS: KubeletSettings = Object.freeze({
  maxPods: d.DEFAULT_MAX_PODS,
  cgroupDriver: d.DEFAULT_CGROUP_DRIVER,
  cgroupRoot: d.DEFAULT_CGROUP_ROOT,
  cgroupsPerQOS: d.DEFAULT_CGROUPS_PER_QOS,
  systemReserved: Object.freeze({}),
  kubeReserved: Object.freeze({}),
  evictionHard: d.DEFAULT_EVICTION_HARD,
  evictionSoft: Object.freeze({}),
  evictionSoftGracePeriod: Object.freeze({}),
  evictionMinimumReclaim: Object.freeze({}),
  evictionPressureTransitionPeriod: d.EVICTION_PRESSURE_TRANSITION_PERIOD_MS,
  evictionMaxPodGracePeriod: d.EVICTION_MAX_POD_GRACE_PERIOD_SECONDS,
  localStorageCapacityIsolation: d.LOCAL_STORAGE_CAPACITY_ISOLATION,
  nodeStatusUpdateFrequency: d.NODE_STATUS_UPDATE_FREQUENCY_MS,
  nodeStatusReportFrequency: d.NODE_STATUS_REPORT_FREQUENCY_MS,
  nodeLeaseDurationSeconds: d.NODE_LEASE_DURATION_SECONDS,
  syncFrequency: d.SYNC_FREQUENCY_MS,
  serializeImagePulls: d.SERIALIZE_IMAGE_PULLS,
  registryPullQPS: d.REGISTRY_PULL_QPS,
  registryBurst: d.REGISTRY_BURST,
  eventRecordQPS: d.EVENT_RECORD_QPS,
  eventBurst: d.EVENT_BURST,
  kubeAPIQPS: d.KUBE_API_QPS,
  kubeAPIBurst: d.KUBE_API_BURST,
  imageGCHighThresholdPercent: d.IMAGE_GC_HIGH_THRESHOLD_PERCENT,
  imageGCLowThresholdPercent: d.IMAGE_GC_LOW_THRESHOLD_PERCENT,
  imageMinimumGCAge: d.IMAGE_MINIMUM_GC_AGE_MS,
  imageMaximumGCAge: d.IMAGE_MAXIMUM_GC_AGE_MS,
  port: d.KUBELET_PORT,
  address: d.DEFAULT_ADDRESS,
  healthzPort: d.HEALTHZ_PORT,
  healthzBindAddress: d.HEALTHZ_BIND_ADDRESS,
  serverTLSBootstrap: d.SERVER_TLS_BOOTSTRAP,
  containerLogMaxSize: d.CONTAINER_LOG_MAX_SIZE_BYTES,
  containerLogMaxFiles: d.CONTAINER_LOG_MAX_FILES,
  runtimeRequestTimeout: d.RUNTIME_REQUEST_TIMEOUT_MS,
  streamingConnectionIdleTimeout: d.STREAMING_CONNECTION_IDLE_TIMEOUT_MS,
  clusterDNS: Object.freeze([]),
  clusterDomain: "",
  resolvConf: d.DEFAULT_RESOLV_CONF,
  staticPodPath: "",
  podRoutes: d.DEFAULT_POD_ROUTES,
  staticPodURL: "",
  fileCheckFrequency: d.FILE_CHECK_FREQUENCY_MS,
  httpCheckFrequency: d.HTTP_CHECK_FREQUENCY_MS,
  seccompDefault: d.SECCOMP_DEFAULT,
  allowedUnsafeSysctls: Object.freeze([]),
});

/** Parses the YAML text into checked settings; an empty file sets nothing. */
export function parseConfigFile(text: string): FileSettings {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false, lineCounter });
  const first = doc.errors[0];
  if (first !== undefined) {
    const at = lineCounter.linePos(first.pos[0]);
    const where = ` at line ${at.line}, column ${at.col}`;
    throw new BerthError(
      ErrorCode.Config,
      `config: not valid YAML${where}: ${first.message.split("\n")[0]}`,
      {
        cause: first,
      },
    );
  }
  const root: unknown = doc.toJS();
  if (root === null || root === undefined) return {};
  if (typeof root !== "object" || Array.isArray(root)) {
    throw new BerthError(
      ErrorCode.Config,
      "config: the file must hold a mapping of KubeletConfiguration fields",
    );
  }
  const out: FileSettings = {};
  for (const [name, raw] of Object.entries(root)) {
    const apply = FILE_FIELDS[name];
    if (apply === undefined) {
      const near = closestName(name, FILE_FIELD_NAMES);
      const hint = near === undefined ? "" : ` (did you mean ${near}?)`;
      throw new BerthError(ErrorCode.Config, `config: unknown field ${JSON.stringify(name)}${hint}`, {
        details: { field: name },
      });
    }
    apply(raw, out);
  }
  const rec = root as Record<string, unknown>;
  if (rec["apiVersion"] !== undefined && rec["apiVersion"] !== d.KUBELET_CONFIG_API_VERSION) {
    throw configError(
      "apiVersion",
      `must be ${d.KUBELET_CONFIG_API_VERSION}, not ${JSON.stringify(rec["apiVersion"])}`,
    );
  }
  if (rec["kind"] !== undefined && rec["kind"] !== d.KUBELET_CONFIG_KIND) {
    throw configError("kind", `must be ${d.KUBELET_CONFIG_KIND}, not ${JSON.stringify(rec["kind"])}`);
  }
  return out;
}

/** Cross-field rules (kubelet: ValidateKubeletConfiguration, the ones that apply here). */
function checkSettings(s: KubeletSettings): void {
  if (s.imageGCLowThresholdPercent >= s.imageGCHighThresholdPercent) {
    throw configError(
      "imageGCLowThresholdPercent",
      `must be less than imageGCHighThresholdPercent (${s.imageGCLowThresholdPercent} >= ${s.imageGCHighThresholdPercent})`,
    );
  }
  // kubelet: ParseThresholdConfig.
  for (const signal of Object.keys(s.evictionSoft)) {
    if (s.evictionSoftGracePeriod[signal] === undefined) {
      throw configError(
        `evictionSoftGracePeriod[${JSON.stringify(signal)}]`,
        `grace period must be specified for the soft eviction threshold ${signal}`,
      );
    }
  }
  if (s.imageMaximumGCAge !== 0 && s.imageMaximumGCAge <= s.imageMinimumGCAge) {
    throw configError(
      "imageMaximumGCAge",
      `must be greater than imageMinimumGCAge (${s.imageMaximumGCAge} ms <= ${s.imageMinimumGCAge} ms)`,
    );
  }
  if (s.serializeImagePulls && s.maxParallelImagePulls !== undefined && s.maxParallelImagePulls !== 1) {
    throw configError("maxParallelImagePulls", "must be 1 or unset while serializeImagePulls is true");
  }
}

function endpoint(text: string, runtime: RuntimeKind, where: (m: string) => BerthError): string {
  if (text.startsWith("/")) return `unix://${text}`;
  if (/^unix:\/\/\/./.test(text)) return text;
  if (runtime === "docker" && /^(tcp|http|https):\/\/([^/:]+|\[[^\]]+\]):\d{1,5}\/?$/.test(text)) return text;
  const forms = runtime === "docker" ? "unix:///path or tcp://host:port" : "unix:///path";
  throw where(`must be ${forms}, not ${JSON.stringify(text)}`);
}

function nodeIPs(text: string | undefined): readonly string[] {
  if (text === undefined || text === "") return [];
  const ips = text.split(",").map((s) => s.trim());
  for (const ip of ips) {
    if (isIP(ip) === 0) throw flagError("node-ip", `${JSON.stringify(ip)} is not an IP address`);
  }
  if (ips.length > 2 || (ips.length === 2 && isIP(ips[0] ?? "") === isIP(ips[1] ?? ""))) {
    throw flagError("node-ip", "give one address, or one IPv4 and one IPv6 address");
  }
  return ips;
}

function identity(input: ResolveAgentConfigInput, fileEndpoint: string | undefined): AgentIdentity {
  const { flags } = input;
  const bootstrapKubeconfig = flags.bootstrapKubeconfig === "" ? undefined : flags.bootstrapKubeconfig;
  if ((flags.kubeconfig === undefined || flags.kubeconfig === "") && bootstrapKubeconfig === undefined) {
    throw flagError("kubeconfig", "is required (the node's credentials for the API server)");
  }
  const nodeName = flags.nodeName ?? (input.hostname ?? osHostname()).toLowerCase();
  if (nodeName.length > 253 || !DNS1123_SUBDOMAIN.test(nodeName)) {
    const source = flags.nodeName === undefined ? "the host name" : "it";
    throw flagError(
      "node-name",
      `${JSON.stringify(nodeName)} is not a valid node name: ${source} must be a lower-case DNS subdomain`,
    );
  }
  const runtime = flags.runtime ?? d.DEFAULT_RUNTIME;
  if (!(RUNTIMES as readonly string[]).includes(runtime)) {
    throw flagError("runtime", `must be ${RUNTIMES.join(" or ")}, not ${JSON.stringify(runtime)}`);
  }
  const kind = runtime as RuntimeKind;
  const runtimeEndpoint =
    flags.runtimeEndpoint !== undefined
      ? endpoint(flags.runtimeEndpoint, kind, (m) => flagError("runtime-endpoint", m))
      : fileEndpoint !== undefined
        ? endpoint(fileEndpoint, kind, (m) => configError("containerRuntimeEndpoint", m))
        : kind === "docker"
          ? d.DEFAULT_DOCKER_ENDPOINT
          : d.DEFAULT_CONTAINERD_ENDPOINT;
  const rootDir = flags.rootDir ?? d.DEFAULT_ROOT_DIR;
  if (!rootDir.startsWith("/")) {
    throw flagError("root-dir", `must be an absolute path, not ${JSON.stringify(rootDir)}`);
  }
  const podInfraImage = flags.podInfraImage ?? d.DEFAULT_POD_INFRA_IMAGE;
  if (podInfraImage === "" || /\s/.test(podInfraImage)) {
    throw flagError("pod-infra-image", `${JSON.stringify(podInfraImage)} is not an image reference`);
  }
  const logLevel = input.env?.["BERTH_LOG_LEVEL"] || d.DEFAULT_LOG_LEVEL;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new BerthError(
      ErrorCode.Config,
      `BERTH_LOG_LEVEL: must be one of ${LOG_LEVELS.join(", ")}, not ${JSON.stringify(logLevel)}`,
    );
  }
  const crashBackoffInitial = positiveEnvDuration(input.env, "BERTH_TEST_CRASH_BACKOFF_INITIAL");
  const imageGCPeriod = positiveEnvDuration(input.env, "BERTH_TEST_IMAGE_GC_PERIOD") ?? d.IMAGE_GC_PERIOD_MS;
  const evictionMonitoringPeriod = positiveEnvDuration(input.env, "BERTH_TEST_EVICTION_MONITORING_PERIOD");
  return {
    kubeconfig: flags.kubeconfig || join(rootDir, d.BOOTSTRAPPED_KUBECONFIG_FILE),
    ...(bootstrapKubeconfig !== undefined ? { bootstrapKubeconfig } : {}),
    nodeName,
    runtime: kind,
    runtimeEndpoint,
    rootDir,
    ...(flags.config !== undefined ? { configFile: flags.config } : {}),
    podInfraImage,
    nodeIPs: Object.freeze(nodeIPs(flags.nodeIp)),
    logLevel,
    ...(crashBackoffInitial === undefined ? {} : { crashBackoffInitial }),
    ...(evictionMonitoringPeriod === undefined ? {} : { evictionMonitoringPeriod }),
    imageGCPeriod,
  };
}

/** A test hook's Go duration from the environment, in ms; undefined when unset. */
function positiveEnvDuration(
  env: Readonly<Record<string, string | undefined>> | undefined,
  name: string,
): number | undefined {
  const text = env?.[name];
  if (!text) return undefined;
  let ms: number;
  try {
    ms = parseGoDuration(text);
  } catch (err) {
    throw new BerthError(ErrorCode.Config, `${name}: ${errorMessage(err)}`);
  }
  if (!(ms > 0)) throw new BerthError(ErrorCode.Config, `${name}: must be positive, not ${text}`);
  return ms;
}

/** Resolves the agent's configuration once; the result is frozen. */
export function resolveAgentConfig(input: ResolveAgentConfigInput): AgentConfig {
  const { containerRuntimeEndpoint, ...fromFile } =
    input.fileText === undefined ? ({} as FileSettings) : parseConfigFile(input.fileText);
  const settings: KubeletSettings = { ...DEFAULT_KUBELET_SETTINGS, ...fromFile };
  checkSettings(settings);
  return Object.freeze({ ...settings, ...identity(input, containerRuntimeEndpoint) });
}
