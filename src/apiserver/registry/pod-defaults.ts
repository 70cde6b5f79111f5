/**
 * Pod defaults as kube-apiserver applies them on create: API defaulting, the default admission
 * plugins that matter to a node agent, and the registry's create preparation.
 *
 * Compare with kubernetes pkg/apis/core/v1/defaults.go (SetDefaults_Pod, SetDefaults_PodSpec,
 * SetDefaults_Container, SetDefaults_Probe, SetDefaults_HTTPGetAction, SetDefaults_ContainerPort,
 * SetDefaults_Volume, SetDefaults_HostPathVolumeSource, SetDefaults_ConfigMapVolumeSource,
 * SetDefaults_SecretVolumeSource, SetDefaults_ObjectFieldSelector), plugin/pkg/admission/priority
 * and defaulttolerationseconds, and pkg/registry/core/pod/strategy.go (PrepareForCreate with
 * pkg/apis/core/helper/qos GetPodQOS).
 *
 * Decisions:
 * - serviceAccountName is NOT defaulted: upstream sets "default" in the ServiceAccount admission
 *   plugin, which also mounts a token volume; berth has no service accounts or token issuer.
 * - The not-ready / unreachable NoExecute tolerations of DefaultTolerationSeconds (300 s) ARE added,
 *   as that plugin is on by default; pass `defaultTolerations: false` to skip them.
 * - Priority admission with no PriorityClass: priority 0, preemptionPolicy PreemptLowerPriority.
 * - status is reset to { phase: Pending, qosClass } as PrepareForCreate does (plus the SchedulingGated
 *   PodScheduled condition when the pod has scheduling gates).
 * - Quantities in container resources are rewritten in canonical form, as upstream re-serialises
 *   them; unparseable ones are left for validation to report.
 *
 * Defaulting never throws on odd shapes; validation reports them.
 */
import { defaultPullPolicy, parseQuantity, type Quantity } from "../../common/index.js";

type Obj = Record<string, unknown>;

/** core/v1 defaults (names as upstream constants). */
export const DEFAULT_RESTART_POLICY = "Always"; // v1.RestartPolicyAlways
export const DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30; // v1.DefaultTerminationGracePeriodSeconds
export const DEFAULT_DNS_POLICY = "ClusterFirst"; // v1.DNSClusterFirst
export const DEFAULT_SCHEDULER_NAME = "default-scheduler"; // v1.DefaultSchedulerName
export const DEFAULT_TERMINATION_MESSAGE_PATH = "/dev/termination-log"; // v1.TerminationMessagePathDefault
export const DEFAULT_TERMINATION_MESSAGE_POLICY = "File"; // v1.TerminationMessageReadFile
export const DEFAULT_PROTOCOL = "TCP"; // v1.ProtocolTCP
export const DEFAULT_VOLUME_MODE = 0o644; // v1.SecretVolumeSourceDefaultMode / ConfigMapVolumeSourceDefaultMode (420)
/** defaulttolerationseconds: default-not-ready-toleration-seconds and default-unreachable-toleration-seconds. */
export const DEFAULT_TOLERATION_SECONDS = 300;
export const TAINT_NODE_NOT_READY = "node.kubernetes.io/not-ready"; // v1.TaintNodeNotReady
export const TAINT_NODE_UNREACHABLE = "node.kubernetes.io/unreachable"; // v1.TaintNodeUnreachable

export const PROBE_DEFAULTS = {
  timeoutSeconds: 1,
  periodSeconds: 10,
  successThreshold: 1,
  failureThreshold: 3,
} as const;

export interface PodDefaultOptions {
  /** Add the DefaultTolerationSeconds tolerations (default true). */
  readonly defaultTolerations?: boolean;
}

function obj(value: unknown): Obj | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Obj) : undefined;
}

function list(value: unknown): Obj[] {
  return Array.isArray(value) ? value.filter((v): v is Obj => obj(v) !== undefined) : [];
}

function setDefault(target: Obj, key: string, value: unknown): void {
  if (target[key] === undefined || target[key] === null || target[key] === "") target[key] = value;
}

/**
 * Applies every default to a deep copy of `pod` and returns it. `pod` itself is not modified.
 * Includes the create-time status reset; use `defaultPodSpec` for a spec alone.
 */
export function applyPodDefaults(pod: unknown, options: PodDefaultOptions = {}): Obj {
  const out = structuredClone(obj(pod) ?? {});
  const spec = obj(out["spec"]) ?? {};
  out["spec"] = spec;
  defaultPodSpec(spec);
  if (options.defaultTolerations ?? true) addDefaultTolerations(spec);
  // Priority admission with no priorityClassName and no global default class.
  if (spec["priorityClassName"] === undefined || spec["priorityClassName"] === "")
    setDefault(spec, "priority", 0);
  setDefault(spec, "preemptionPolicy", "PreemptLowerPriority");
  const status: Obj = { phase: "Pending", qosClass: podQOSClass(out) };
  // pod strategy applySchedulingGatedCondition
  if (list(spec["schedulingGates"]).length > 0) {
    status["conditions"] = [
      {
        type: "PodScheduled",
        status: "False",
        reason: "SchedulingGated",
        message: "Scheduling is blocked due to non-empty scheduling gates",
      },
    ];
  }
  out["status"] = status;
  return out;
}

/** SetDefaults_PodSpec with the container, probe, port and volume defaults it reaches. */
export function defaultPodSpec(spec: Obj): void {
  setDefault(spec, "dnsPolicy", DEFAULT_DNS_POLICY);
  setDefault(spec, "restartPolicy", DEFAULT_RESTART_POLICY);
  setDefault(spec, "terminationGracePeriodSeconds", DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS);
  setDefault(spec, "schedulerName", DEFAULT_SCHEDULER_NAME);
  if (obj(spec["securityContext"]) === undefined) spec["securityContext"] = {};
  if (spec["enableServiceLinks"] === undefined) spec["enableServiceLinks"] = true;
  // v1 <-> core conversion keeps the deprecated serviceAccount field in step with serviceAccountName.
  const sa = spec["serviceAccountName"];
  const deprecatedSA = spec["serviceAccount"];
  if ((sa === undefined || sa === "") && typeof deprecatedSA === "string" && deprecatedSA !== "") {
    spec["serviceAccountName"] = deprecatedSA;
  } else if (typeof sa === "string" && sa !== "") {
    spec["serviceAccount"] = sa;
  }
  const hostNetwork = spec["hostNetwork"] === true;
  for (const key of ["initContainers", "containers", "ephemeralContainers"]) {
    for (const container of list(spec[key])) defaultContainer(container, hostNetwork);
  }
  for (const volume of list(spec["volumes"])) defaultVolume(volume);
  // v1.SetDefaults_Pod: requests default from limits, per container.
  for (const key of ["initContainers", "containers"]) {
    for (const container of list(spec[key])) defaultRequestsFromLimits(container);
  }
}

/** SetDefaults_Container, ports, env fieldRef and probes. */
function defaultContainer(container: Obj, hostNetwork: boolean): void {
  setDefault(
    container,
    "imagePullPolicy",
    typeof container["image"] === "string" ? defaultPullPolicy(container["image"]) : "IfNotPresent",
  );
  setDefault(container, "terminationMessagePath", DEFAULT_TERMINATION_MESSAGE_PATH);
  setDefault(container, "terminationMessagePolicy", DEFAULT_TERMINATION_MESSAGE_POLICY);
  for (const port of list(container["ports"])) {
    setDefault(port, "protocol", DEFAULT_PROTOCOL);
    // SetDefaults_PodSpec: with hostNetwork, hostPort follows containerPort.
    if (hostNetwork && (port["hostPort"] === undefined || port["hostPort"] === 0))
      port["hostPort"] = port["containerPort"];
  }
  for (const env of list(container["env"])) {
    const fieldRef = obj(obj(env["valueFrom"])?.["fieldRef"]);
    if (fieldRef) setDefault(fieldRef, "apiVersion", "v1"); // SetDefaults_ObjectFieldSelector
  }
  for (const key of ["livenessProbe", "readinessProbe", "startupProbe"]) {
    const probe = obj(container[key]);
    if (probe) defaultProbe(probe);
  }
  for (const key of ["postStart", "preStop"]) {
    const httpGet = obj(obj(obj(container["lifecycle"])?.[key])?.["httpGet"]);
    if (httpGet) defaultHTTPGet(httpGet);
  }
  const resources = obj(container["resources"]);
  if (resources) canonicalizeResources(resources);
}

/** SetDefaults_Probe and SetDefaults_HTTPGetAction. */
function defaultProbe(probe: Obj): void {
  for (const [key, value] of Object.entries(PROBE_DEFAULTS)) {
    if (probe[key] === undefined || probe[key] === 0) probe[key] = value;
  }
  const httpGet = obj(probe["httpGet"]);
  if (httpGet) defaultHTTPGet(httpGet);
}

function defaultHTTPGet(httpGet: Obj): void {
  setDefault(httpGet, "path", "/");
  setDefault(httpGet, "scheme", "HTTP");
}

/** SetDefaults_Volume and the per-source defaults. */
function defaultVolume(volume: Obj): void {
  const sources = Object.keys(volume).filter((k) => k !== "name");
  if (sources.length === 0) volume["emptyDir"] = {};
  const hostPath = obj(volume["hostPath"]);
  if (hostPath && hostPath["type"] === undefined) hostPath["type"] = "";
  for (const key of ["configMap", "secret", "downwardAPI", "projected"]) {
    const source = obj(volume[key]);
    if (source && source["defaultMode"] === undefined) source["defaultMode"] = DEFAULT_VOLUME_MODE;
  }
  for (const item of list(obj(volume["downwardAPI"])?.["items"])) {
    const fieldRef = obj(item["fieldRef"]);
    if (fieldRef) setDefault(fieldRef, "apiVersion", "v1");
  }
}

function canonicalizeResources(resources: Obj): void {
  for (const key of ["limits", "requests"]) {
    const map = obj(resources[key]);
    if (!map) continue;
    for (const [name, value] of Object.entries(map)) {
      if (typeof value !== "string" && typeof value !== "number") continue;
      try {
        map[name] = parseQuantity(value).toString();
      } catch {
        // left for validation to report
      }
    }
  }
}

function defaultRequestsFromLimits(container: Obj): void {
  const resources = obj(container["resources"]);
  const limits = obj(resources?.["limits"]);
  if (!resources || !limits || Object.keys(limits).length === 0) return;
  const requests = obj(resources["requests"]) ?? {};
  for (const [name, value] of Object.entries(limits))
    if (requests[name] === undefined) requests[name] = value;
  resources["requests"] = requests;
}

/** defaulttolerationseconds admission: tolerate not-ready and unreachable for 300 s unless set. */
function addDefaultTolerations(spec: Obj): void {
  const tolerations = Array.isArray(spec["tolerations"]) ? (spec["tolerations"] as unknown[]) : [];
  const has = (key: string) =>
    list(tolerations).some(
      (t) =>
        (t["effect"] === "NoExecute" || t["effect"] === undefined || t["effect"] === "") &&
        (t["key"] === key || t["key"] === undefined || t["key"] === ""),
    );
  const added: Obj[] = [];
  for (const key of [TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE]) {
    if (!has(key)) {
      added.push({
        key,
        operator: "Exists",
        effect: "NoExecute",
        tolerationSeconds: DEFAULT_TOLERATION_SECONDS,
      });
    }
  }
  if (added.length > 0) spec["tolerations"] = [...tolerations, ...added];
}

function quantityOf(map: Obj | undefined, name: string): Quantity | undefined {
  const value = map?.[name];
  if (typeof value !== "string" && typeof value !== "number") return undefined;
  try {
    return parseQuantity(value);
  } catch {
    return undefined;
  }
}

/**
 * qos.GetPodQOS (ComputePodQOS) on a defaulted pod: cpu and memory requests and limits above zero are
 * summed over all containers; none at all is BestEffort; Guaranteed needs every container to set
 * both cpu and memory limits and the summed requests to equal the summed limits; else Burstable.
 */
export function podQOSClass(pod: unknown): "Guaranteed" | "Burstable" | "BestEffort" {
  const spec = obj(obj(pod)?.["spec"]);
  const containers = [...list(spec?.["initContainers"]), ...list(spec?.["containers"])];
  const requests = new Map<string, Quantity>();
  const limits = new Map<string, Quantity>();
  let guaranteed = true;
  const add = (into: Map<string, Quantity>, name: string, q: Quantity) => {
    const before = into.get(name);
    into.set(name, before ? before.add(q) : q);
  };
  for (const container of containers) {
    const resources = obj(container["resources"]);
    const found = new Set<string>();
    for (const name of QOS_RESOURCES) {
      const request = quantityOf(obj(resources?.["requests"]), name);
      if (request && request.sign() > 0) add(requests, name, request);
      const limit = quantityOf(obj(resources?.["limits"]), name);
      if (limit && limit.sign() > 0) {
        found.add(name);
        add(limits, name, limit);
      }
    }
    if (found.size < QOS_RESOURCES.length) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return "BestEffort";
  if (guaranteed) {
    for (const [name, request] of requests) {
      const limit = limits.get(name);
      if (!limit || !limit.equals(request)) guaranteed = false;
    }
  }
  return guaranteed && requests.size === limits.size ? "Guaranteed" : "Burstable";
}

/** qos: supportedQoSComputeResources */
const QOS_RESOURCES = ["cpu", "memory"] as const;
