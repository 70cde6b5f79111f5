/**
 * Pod validation on create and update, run after defaulting (pod-defaults.ts).
 *
 * Compare with kubernetes pkg/apis/core/validation/validation.go; each function below names the
 * upstream function it mirrors. Causes carry upstream's reasons, field paths and wording. Lists of
 * supported values are sorted, as upstream passes sets.List(...) to field.NotSupported.
 * Differences: a quantity that does not parse is reported as an Invalid cause on its field (upstream
 * fails earlier, while decoding, with 400); environment variable names follow the relaxed rule
 * (RelaxedEnvironmentVariableValidation, on by default since 1.32).
 */
import {
  parseQuantity,
  QUANTITY_FORMAT_MESSAGE,
  type ErrorCause,
  type Quantity,
} from "../../common/index.js";
import {
  duplicate,
  forbidden,
  invalid,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  nameIsDNSSubdomain,
  notFound,
  notSupported,
  required,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from "./validation.js";

type Obj = Record<string, unknown>;

export const RESTART_POLICIES = ["Always", "Never", "OnFailure"] as const;
export const DNS_POLICIES = ["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"] as const;
export const PULL_POLICIES = ["Always", "IfNotPresent", "Never"] as const;
export const PROTOCOLS = ["SCTP", "TCP", "UDP"] as const;
export const TERMINATION_MESSAGE_POLICIES = ["FallbackToLogsOnError", "File"] as const;
export const TOLERATION_OPERATORS = ["Equal", "Exists"] as const;
/** validateTaintEffect lists these in declaration order, not sorted. */
export const TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"] as const;
export const HOST_PATH_TYPES = [
  "",
  "BlockDevice",
  "CharDevice",
  "Directory",
  "DirectoryOrCreate",
  "File",
  "FileOrCreate",
  "Socket",
] as const;
export const URI_SCHEMES = ["HTTP", "HTTPS"] as const;
/** validation: validEnvDownwardAPIFieldPathExpressions (plus labels/annotations subscripts). */
export const ENV_FIELD_PATHS = [
  "metadata.annotations",
  "metadata.labels",
  "metadata.name",
  "metadata.namespace",
  "metadata.uid",
  "spec.nodeName",
  "spec.serviceAccountName",
  "status.hostIP",
  "status.hostIPs",
  "status.podIP",
  "status.podIPs",
] as const;
/** core/v1 VolumeSource members, in the order validateVolumeSource checks them. */
export const VOLUME_SOURCES = [
  "emptyDir",
  "hostPath",
  "gcePersistentDisk",
  "awsElasticBlockStore",
  "gitRepo",
  "secret",
  "nfs",
  "iscsi",
  "glusterfs",
  "persistentVolumeClaim",
  "rbd",
  "flexVolume",
  "cinder",
  "cephfs",
  "flocker",
  "downwardAPI",
  "fc",
  "azureFile",
  "configMap",
  "vsphereVolume",
  "quobyte",
  "azureDisk",
  "photonPersistentDisk",
  "projected",
  "portworxVolume",
  "scaleIO",
  "storageos",
  "csi",
  "ephemeral",
  "image",
] as const;
const PROBE_HANDLERS = ["exec", "httpGet", "tcpSocket", "grpc"] as const;
const STANDARD_CONTAINER_RESOURCES = new Set(["cpu", "memory", "ephemeral-storage"]);
const MAX_INT32 = 2147483647;

/** The text of the Forbidden cause for a pod spec update (ValidatePodUpdate). */
export const POD_UPDATE_FORBIDDEN_MESSAGE =
  "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`," +
  "`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations)," +
  "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

function obj(value: unknown): Obj | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Obj) : undefined;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || value === "";
}

function isInt(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value);
}

/** validation.InclusiveRangeError */
function rangeError(lo: number, hi: number): string {
  return `must be between ${lo} and ${hi}, inclusive`;
}

/** validation.IsValidPortNum */
function portNumErrors(value: unknown): string[] {
  return isInt(value) && value >= 1 && value <= 65535 ? [] : [rangeError(1, 65535)];
}

/** validation.IsValidPortName (IANA_SVC_NAME). */
export function isValidPortName(name: string): string[] {
  const errs: string[] = [];
  if (name.length > 15) errs.push("must be no more than 15 characters");
  if (!/^[-a-z0-9]+$/.test(name))
    errs.push("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
  if (!/[a-z]/.test(name)) errs.push("must contain at least one letter (a-z)");
  if (name.includes("--")) errs.push("must not contain consecutive hyphens");
  if (name.startsWith("-") || name.endsWith("-")) errs.push("must not begin or end with a hyphen");
  return errs;
}

/** validation.IsEnvVarName with RelaxedEnvironmentVariableValidation. */
function envVarNameErrors(name: string): string[] {
  return /^[\x20-\x3c\x3e-\x7e]+$/.test(name)
    ? []
    : ["a valid environment variable name must consist only of printable ASCII characters other than '='"];
}

/** ValidateNonnegativeField */
function nonNegative(value: unknown, field: string): ErrorCause[] {
  if (value === undefined || value === null) return [];
  if (!isInt(value)) return [invalid(field, value, "must be an integer")];
  return value < 0 ? [invalid(field, value, "must be greater than or equal to 0")] : [];
}

function enumField(
  value: unknown,
  field: string,
  supported: readonly string[],
  requiredValue: boolean,
): ErrorCause[] {
  if (isEmpty(value)) return requiredValue ? [required(field)] : [];
  return typeof value === "string" && supported.includes(value)
    ? []
    : [notSupported(field, value, supported)];
}

// ---- create ----

/** ValidatePodCreate: metadata, spec. Call after applyPodDefaults. */
export function validatePod(pod: unknown): ErrorCause[] {
  const p = obj(pod) ?? {};
  const causes = validateObjectMeta(p["metadata"], { namespaced: true, nameFn: nameIsDNSSubdomain });
  causes.push(...validatePodSpec(p["spec"], "spec"));
  return causes;
}

/** ValidatePodSpec */
export function validatePodSpec(specValue: unknown, path: string): ErrorCause[] {
  const spec = obj(specValue);
  if (!spec) return [required(path)];
  const causes: ErrorCause[] = [];
  const volumeNames = validateVolumes(spec["volumes"], `${path}.volumes`, causes);
  const hostNetwork = spec["hostNetwork"] === true;
  const containers = list(spec["containers"]);
  const containerNames = new Set<string>();
  if (containers.length === 0) causes.push(required(`${path}.containers`));
  containers.forEach((c, i) =>
    validateContainer(c, `${path}.containers[${i}]`, containerNames, volumeNames, hostNetwork, causes, false),
  );
  list(spec["initContainers"]).forEach((c, i) =>
    validateContainer(
      c,
      `${path}.initContainers[${i}]`,
      containerNames,
      volumeNames,
      hostNetwork,
      causes,
      true,
    ),
  );
  causes.push(...enumField(spec["restartPolicy"], `${path}.restartPolicy`, RESTART_POLICIES, true));
  causes.push(...enumField(spec["dnsPolicy"], `${path}.dnsPolicy`, DNS_POLICIES, true));
  if (spec["dnsPolicy"] === "None" && obj(spec["dnsConfig"]) === undefined) {
    causes.push(required(`${path}.dnsConfig`, "must provide `dnsConfig` when `dnsPolicy` is None"));
  }
  const deadline = spec["activeDeadlineSeconds"];
  if (
    deadline !== undefined &&
    deadline !== null &&
    (!isInt(deadline) || deadline < 1 || deadline > MAX_INT32)
  ) {
    causes.push(invalid(`${path}.activeDeadlineSeconds`, deadline, rangeError(1, MAX_INT32)));
  }
  const grace = spec["terminationGracePeriodSeconds"];
  if (grace !== undefined && grace !== null && !isInt(grace)) {
    causes.push(invalid(`${path}.terminationGracePeriodSeconds`, grace, "must be an integer"));
  }
  const nodeName = spec["nodeName"];
  if (typeof nodeName === "string" && nodeName !== "") {
    for (const msg of isDNS1123Subdomain(nodeName)) causes.push(invalid(`${path}.nodeName`, nodeName, msg));
  }
  const sa = spec["serviceAccountName"];
  if (typeof sa === "string" && sa !== "") {
    for (const msg of isDNS1123Subdomain(sa)) causes.push(invalid(`${path}.serviceAccountName`, sa, msg));
  }
  list(spec["tolerations"]).forEach((t, i) => validateToleration(t, `${path}.tolerations[${i}]`, causes));
  causes.push(...uniqueHostPorts(spec, path));
  return causes;
}

/** validateVolumes: names, one source each, source specifics. Returns the volume names. */
function validateVolumes(value: unknown, path: string, causes: ErrorCause[]): Set<string> {
  const names = new Set<string>();
  list(value).forEach((v, i) => {
    const vpath = `${path}[${i}]`;
    const volume = obj(v);
    if (!volume) {
      causes.push(required(vpath));
      return;
    }
    const name = volume["name"];
    if (isEmpty(name)) causes.push(required(`${vpath}.name`));
    else if (typeof name !== "string") causes.push(invalid(`${vpath}.name`, name, "must be a string"));
    else {
      for (const msg of isDNS1123Label(name)) causes.push(invalid(`${vpath}.name`, name, msg));
      if (names.has(name)) causes.push(duplicate(`${vpath}.name`, name));
      names.add(name);
    }
    // validateVolumeSource: exactly one source.
    const sources = VOLUME_SOURCES.filter((s) => volume[s] !== undefined && volume[s] !== null);
    if (sources.length === 0) causes.push(required(vpath, "must specify a volume type"));
    for (const extra of sources.slice(1))
      causes.push(forbidden(`${vpath}.${extra}`, "may not specify more than 1 volume type"));
    const hostPath = obj(volume["hostPath"]);
    if (hostPath) {
      if (isEmpty(hostPath["path"])) causes.push(required(`${vpath}.hostPath.path`));
      causes.push(...enumField(hostPath["type"], `${vpath}.hostPath.type`, HOST_PATH_TYPES, false));
    }
    const configMap = obj(volume["configMap"]);
    if (configMap) {
      if (isEmpty(configMap["name"])) causes.push(required(`${vpath}.configMap.name`));
      causes.push(...validateMode(configMap["defaultMode"], `${vpath}.configMap.defaultMode`));
    }
    const secret = obj(volume["secret"]);
    if (secret) {
      if (isEmpty(secret["secretName"])) causes.push(required(`${vpath}.secret.secretName`));
      causes.push(...validateMode(secret["defaultMode"], `${vpath}.secret.defaultMode`));
    }
    const emptyDir = obj(volume["emptyDir"]);
    if (emptyDir) {
      const medium = emptyDir["medium"];
      if (
        !isEmpty(medium) &&
        medium !== "Memory" &&
        !(typeof medium === "string" && medium.startsWith("HugePages"))
      ) {
        causes.push(notSupported(`${vpath}.emptyDir.medium`, medium, ["", "HugePages", "Memory"]));
      }
      if (emptyDir["sizeLimit"] !== undefined)
        causes.push(...quantityErrors(emptyDir["sizeLimit"], `${vpath}.emptyDir.sizeLimit`));
    }
  });
  return names;
}

/** validateFileMode (volume defaultMode). */
function validateMode(mode: unknown, field: string): ErrorCause[] {
  if (mode === undefined || mode === null) return [];
  return isInt(mode) && mode >= 0 && mode <= 0o777
    ? []
    : [invalid(field, mode, "must be a number between 0 and 0777 (octal), both inclusive")];
}

function quantityErrors(value: unknown, field: string): ErrorCause[] {
  return parsedQuantity(value, field).causes;
}

function parsedQuantity(value: unknown, field: string): { q?: Quantity; causes: ErrorCause[] } {
  if (typeof value !== "string" && typeof value !== "number") {
    return { causes: [invalid(field, value, QUANTITY_FORMAT_MESSAGE)] };
  }
  try {
    const q = parseQuantity(value);
    if (q.sign() < 0)
      return { q, causes: [invalid(field, q.toString(), "must be greater than or equal to 0")] };
    return { q, causes: [] };
  } catch (err) {
    return { causes: [invalid(field, value, err instanceof Error ? err.message : QUANTITY_FORMAT_MESSAGE)] };
  }
}

/** validateContainerCommon / validateInitContainers / validateContainers. */
function validateContainer(
  value: unknown,
  path: string,
  names: Set<string>,
  volumeNames: ReadonlySet<string>,
  hostNetwork: boolean,
  causes: ErrorCause[],
  init: boolean,
): void {
  const c = obj(value);
  if (!c) {
    causes.push(required(path));
    return;
  }
  const name = c["name"];
  if (isEmpty(name)) causes.push(required(`${path}.name`));
  else if (typeof name !== "string") causes.push(invalid(`${path}.name`, name, "must be a string"));
  else {
    for (const msg of isDNS1123Label(name)) causes.push(invalid(`${path}.name`, name, msg));
    if (names.has(name)) causes.push(duplicate(`${path}.name`, name));
    names.add(name);
  }
  const image = c["image"];
  if (isEmpty(image) || (typeof image === "string" && image.trim() === ""))
    causes.push(required(`${path}.image`));
  causes.push(...enumField(c["imagePullPolicy"], `${path}.imagePullPolicy`, PULL_POLICIES, true));
  causes.push(
    ...enumField(
      c["terminationMessagePolicy"],
      `${path}.terminationMessagePolicy`,
      TERMINATION_MESSAGE_POLICIES,
      true,
    ),
  );
  validatePorts(c["ports"], `${path}.ports`, hostNetwork, causes);
  validateEnv(c["env"], `${path}.env`, causes);
  validateVolumeMounts(c["volumeMounts"], `${path}.volumeMounts`, volumeNames, causes);
  validateResources(c["resources"], `${path}.resources`, causes);
  if (init && c["restartPolicy"] !== "Always" && c["lifecycle"] !== undefined && c["lifecycle"] !== null) {
    causes.push(
      forbidden(`${path}.lifecycle`, "may not be set for init containers without restartPolicy=Always"),
    );
  }
  for (const kind of ["livenessProbe", "readinessProbe", "startupProbe"] as const) {
    const probe = c[kind];
    if (probe === undefined || probe === null) continue;
    if (init && c["restartPolicy"] !== "Always") {
      causes.push(
        forbidden(`${path}.${kind}`, `may not be set for init containers without restartPolicy=Always`),
      );
      continue;
    }
    validateProbe(probe, `${path}.${kind}`, kind !== "readinessProbe", causes);
  }
}

/** validateContainerPorts */
function validatePorts(value: unknown, path: string, hostNetwork: boolean, causes: ErrorCause[]): void {
  const names = new Set<string>();
  list(value).forEach((p, i) => {
    const ppath = `${path}[${i}]`;
    const port = obj(p);
    if (!port) {
      causes.push(required(ppath));
      return;
    }
    const name = port["name"];
    if (typeof name === "string" && name !== "") {
      for (const msg of isValidPortName(name)) causes.push(invalid(`${ppath}.name`, name, msg));
      if (names.has(name)) causes.push(duplicate(`${ppath}.name`, name));
      names.add(name);
    }
    const containerPort = port["containerPort"];
    if (containerPort === undefined || containerPort === null || containerPort === 0) {
      causes.push(required(`${ppath}.containerPort`));
    } else {
      for (const msg of portNumErrors(containerPort))
        causes.push(invalid(`${ppath}.containerPort`, containerPort, msg));
    }
    const hostPort = port["hostPort"];
    if (hostPort !== undefined && hostPort !== null && hostPort !== 0) {
      for (const msg of portNumErrors(hostPort)) causes.push(invalid(`${ppath}.hostPort`, hostPort, msg));
      if (hostNetwork && hostPort !== containerPort) {
        causes.push(
          invalid(`${ppath}.hostPort`, hostPort, "must match `containerPort` when `hostNetwork` is true"),
        );
      }
    }
    causes.push(...enumField(port["protocol"], `${ppath}.protocol`, PROTOCOLS, true));
  });
}

/** AccumulateUniqueHostPorts: a protocol/hostIP/hostPort triple may be used once (init and app containers apart). */
function uniqueHostPorts(spec: Obj, path: string): ErrorCause[] {
  const causes: ErrorCause[] = [];
  for (const key of ["containers", "initContainers"]) {
    const seen = new Set<string>();
    list(spec[key]).forEach((c, ci) => {
      list(obj(c)?.["ports"]).forEach((p, pi) => {
        const port = obj(p);
        const hostPort = port?.["hostPort"];
        if (!port || !isInt(hostPort) || hostPort === 0) return;
        // Upstream keys ports as protocol/hostIP/hostPort, e.g. "TCP//8080".
        const protocol = typeof port["protocol"] === "string" ? port["protocol"] : "TCP";
        const hostIP = typeof port["hostIP"] === "string" ? port["hostIP"] : "";
        const pair = `${protocol}/${hostIP}/${hostPort}`;
        if (seen.has(pair)) causes.push(duplicate(`${path}.${key}[${ci}].ports[${pi}].hostPort`, pair));
        seen.add(pair);
      });
    });
  }
  return causes;
}

/** ValidateEnv and validateEnvVarValueFrom */
function validateEnv(value: unknown, path: string, causes: ErrorCause[]): void {
  list(value).forEach((e, i) => {
    const epath = `${path}[${i}]`;
    const env = obj(e);
    if (!env) {
      causes.push(required(epath));
      return;
    }
    const name = env["name"];
    if (isEmpty(name)) causes.push(required(`${epath}.name`));
    else if (typeof name === "string")
      for (const msg of envVarNameErrors(name)) causes.push(invalid(`${epath}.name`, name, msg));
    const valueFrom = obj(env["valueFrom"]);
    if (!valueFrom) return;
    const sources = ["fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef"].filter((k) =>
      obj(valueFrom[k]),
    );
    if (sources.length === 0) {
      causes.push(
        invalid(
          `${epath}.valueFrom`,
          "",
          "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`",
        ),
      );
    } else if (sources.length > 1) {
      causes.push(invalid(`${epath}.valueFrom`, "", "may not have more than one field specified at a time"));
    }
    if (!isEmpty(env["value"])) {
      causes.push(invalid(`${epath}.valueFrom`, "", "may not be specified when `value` is not empty"));
    }
    const fieldRef = obj(valueFrom["fieldRef"]);
    if (fieldRef) {
      const fieldPath = fieldRef["fieldPath"];
      if (isEmpty(fieldPath)) causes.push(required(`${epath}.valueFrom.fieldRef.fieldPath`));
      else {
        const base = typeof fieldPath === "string" ? fieldPath.replace(/\[.*\]$/, "") : "";
        const subscripted = typeof fieldPath === "string" && fieldPath !== base;
        const ok =
          (ENV_FIELD_PATHS as readonly string[]).includes(base) &&
          (subscripted
            ? base === "metadata.labels" || base === "metadata.annotations"
            : base !== "metadata.labels" && base !== "metadata.annotations");
        if (!ok)
          causes.push(notSupported(`${epath}.valueFrom.fieldRef.fieldPath`, fieldPath, ENV_FIELD_PATHS));
      }
    }
    for (const key of ["configMapKeyRef", "secretKeyRef"]) {
      const ref = obj(valueFrom[key]);
      if (!ref) continue;
      if (isEmpty(ref["key"])) causes.push(required(`${epath}.valueFrom.${key}.key`));
      if (isEmpty(ref["name"])) causes.push(required(`${epath}.valueFrom.${key}.name`));
    }
  });
}

/** ValidateVolumeMounts */
function validateVolumeMounts(
  value: unknown,
  path: string,
  volumeNames: ReadonlySet<string>,
  causes: ErrorCause[],
): void {
  const mountPaths = new Set<string>();
  list(value).forEach((m, i) => {
    const mpath = `${path}[${i}]`;
    const mount = obj(m);
    if (!mount) {
      causes.push(required(mpath));
      return;
    }
    const name = mount["name"];
    if (isEmpty(name)) causes.push(required(`${mpath}.name`));
    else if (typeof name !== "string" || !volumeNames.has(name)) causes.push(notFound(`${mpath}.name`, name));
    const mountPath = mount["mountPath"];
    if (isEmpty(mountPath)) causes.push(required(`${mpath}.mountPath`));
    else if (typeof mountPath === "string") {
      if (mountPaths.has(mountPath)) causes.push(invalid(`${mpath}.mountPath`, mountPath, "must be unique"));
      mountPaths.add(mountPath);
    }
    const subPath = mount["subPath"];
    if (typeof subPath === "string" && (subPath.startsWith("/") || subPath.split("/").includes(".."))) {
      causes.push(
        invalid(
          `${mpath}.subPath`,
          subPath,
          subPath.startsWith("/") ? "must be a relative path" : "must not contain '..'",
        ),
      );
    }
  });
}

/** ValidateResourceRequirements (containers; a RuntimeClass's overhead too). */
export function validateResources(value: unknown, path: string, causes: ErrorCause[]): void {
  const resources = obj(value);
  if (!resources) return;
  const parsed: Record<"limits" | "requests", Map<string, Quantity>> = {
    limits: new Map(),
    requests: new Map(),
  };
  for (const kind of ["limits", "requests"] as const) {
    const map = obj(resources[kind]);
    if (!map) continue;
    for (const [name, q] of Object.entries(map)) {
      const field = `${path}.${kind}[${name}]`;
      const nameErrs = resourceNameErrors(name);
      if (nameErrs.length > 0) {
        for (const msg of nameErrs) causes.push(invalid(field, name, msg));
        continue;
      }
      const result = parsedQuantity(q, field);
      causes.push(...result.causes);
      if (result.q && result.causes.length === 0) parsed[kind].set(name, result.q);
    }
  }
  for (const [name, request] of parsed.requests) {
    const limit = parsed.limits.get(name);
    if (limit && request.cmp(limit) > 0) {
      causes.push(
        invalid(
          `${path}.requests[${name}]`,
          request.toString(),
          `must be less than or equal to ${name} limit of ${limit.toString()}`,
        ),
      );
    }
  }
}

/** validateContainerResourceName */
function resourceNameErrors(name: string): string[] {
  const qualified = isQualifiedName(name);
  if (qualified.length > 0) return qualified;
  if (!name.includes("/") && !STANDARD_CONTAINER_RESOURCES.has(name) && !name.startsWith("hugepages-")) {
    return ["must be a standard resource for containers"];
  }
  return [];
}

/** validateProbe and validateHandler */
function validateProbe(value: unknown, path: string, mustSucceedOnce: boolean, causes: ErrorCause[]): void {
  const probe = obj(value);
  if (!probe) {
    causes.push(invalid(path, value, "must be an object"));
    return;
  }
  const present = PROBE_HANDLERS.filter((h) => probe[h] !== undefined && probe[h] !== null);
  if (present.length === 0) causes.push(required(path, "must specify a handler type"));
  for (const extra of present.slice(1))
    causes.push(forbidden(`${path}.${extra}`, "may not specify more than 1 handler type"));
  for (const key of [
    "initialDelaySeconds",
    "timeoutSeconds",
    "periodSeconds",
    "successThreshold",
    "failureThreshold",
  ]) {
    causes.push(...nonNegative(probe[key], `${path}.${key}`));
  }
  if (mustSucceedOnce && probe["successThreshold"] !== undefined && probe["successThreshold"] !== 1) {
    causes.push(invalid(`${path}.successThreshold`, probe["successThreshold"], "must be 1"));
  }
  const exec = obj(probe["exec"]);
  if (exec && list(exec["command"]).length === 0) causes.push(required(`${path}.exec.command`));
  const httpGet = obj(probe["httpGet"]);
  if (httpGet) {
    validatePortNumOrName(httpGet["port"], `${path}.httpGet.port`, causes);
    causes.push(...enumField(httpGet["scheme"], `${path}.httpGet.scheme`, URI_SCHEMES, false));
  }
  const tcp = obj(probe["tcpSocket"]);
  if (tcp) validatePortNumOrName(tcp["port"], `${path}.tcpSocket.port`, causes);
  const grpc = obj(probe["grpc"]);
  if (grpc)
    for (const msg of portNumErrors(grpc["port"]))
      causes.push(invalid(`${path}.grpc.port`, grpc["port"], msg));
}

/** ValidatePortNumOrName */
function validatePortNumOrName(port: unknown, field: string, causes: ErrorCause[]): void {
  if (typeof port === "string" && !/^\d+$/.test(port)) {
    for (const msg of isValidPortName(port)) causes.push(invalid(field, port, msg));
    return;
  }
  const n = typeof port === "string" ? Number(port) : port;
  if (port === undefined || port === null) {
    causes.push(required(field));
    return;
  }
  for (const msg of portNumErrors(n)) causes.push(invalid(field, port, msg));
}

/** ValidateTolerations */
export function validateToleration(value: unknown, path: string, causes: ErrorCause[]): void {
  const t = obj(value);
  if (!t) {
    causes.push(required(path));
    return;
  }
  const key = t["key"];
  if (typeof key === "string" && key !== "") {
    for (const msg of isQualifiedName(key)) causes.push(invalid(`${path}.key`, key, msg));
  }
  const operator = t["operator"];
  if (isEmpty(key) && operator !== "Exists") {
    causes.push(
      invalid(
        `${path}.operator`,
        operator ?? "",
        'operator must be Exists when `key` is empty, which means "match all values and all keys"',
      ),
    );
  }
  if (isEmpty(operator) || operator === "Equal") {
    const value = t["value"];
    if (typeof value === "string") {
      const errs = isValidLabelValue(value);
      if (errs.length > 0) causes.push(invalid(`${path}.operator`, value, errs.join(";")));
    }
  } else if (operator === "Exists") {
    if (!isEmpty(t["value"])) {
      causes.push(invalid(`${path}.operator`, t["value"], "value must be empty when `operator` is 'Exists'"));
    }
  } else {
    causes.push(notSupported(`${path}.operator`, operator, TOLERATION_OPERATORS));
  }
  const effect = t["effect"];
  if (!isEmpty(effect)) causes.push(...enumField(effect, `${path}.effect`, TAINT_EFFECTS, false));
  if (t["tolerationSeconds"] !== undefined && t["tolerationSeconds"] !== null && effect !== "NoExecute") {
    causes.push(
      invalid(`${path}.effect`, effect ?? "", "effect must be 'NoExecute' when `tolerationSeconds` is set"),
    );
  }
}

// ---- update ----

/**
 * ValidatePodUpdate: metadata identity, the new spec's own validity, and that only the mutable
 * spec fields changed. `.status` is not compared (the main resource ignores it).
 */
export function validatePodUpdate(next: unknown, old: unknown): ErrorCause[] {
  const n = obj(next) ?? {};
  const o = obj(old) ?? {};
  const causes = validateObjectMetaUpdate(n["metadata"], o["metadata"]);
  causes.push(...validatePodSpec(n["spec"], "spec"));
  const newSpec = obj(n["spec"]) ?? {};
  const oldSpec = obj(o["spec"]) ?? {};

  // activeDeadlineSeconds may be set or lowered, never raised or removed.
  const newDeadline = newSpec["activeDeadlineSeconds"];
  const oldDeadline = oldSpec["activeDeadlineSeconds"];
  if (isInt(oldDeadline)) {
    if (newDeadline === undefined || newDeadline === null) {
      causes.push(
        invalid("spec.activeDeadlineSeconds", null, "must not update from a positive integer to nil value"),
      );
    } else if (isInt(newDeadline) && newDeadline > oldDeadline) {
      causes.push(
        invalid("spec.activeDeadlineSeconds", newDeadline, "must be less than or equal to previous value"),
      );
    }
  }
  // Tolerations: additions only; an existing one may change only its tolerationSeconds.
  const newTolerations = list(newSpec["tolerations"]);
  for (const oldT of list(oldSpec["tolerations"])) {
    const stripped = (t: unknown) => stableJson({ ...(obj(t) ?? {}), tolerationSeconds: undefined });
    if (!newTolerations.some((t) => stripped(t) === stripped(oldT))) {
      causes.push(
        forbidden("spec.tolerations", "existing toleration can not be modified except its tolerationSeconds"),
      );
      break;
    }
  }

  // Everything else must be equal once the mutable fields are copied over from the old spec.
  const munged = structuredClone(newSpec);
  for (const key of ["containers", "initContainers"]) {
    const oldList = list(oldSpec[key]);
    list(munged[key]).forEach((c, i) => {
      const container = obj(c);
      const before = obj(oldList[i]);
      if (container && before) container["image"] = before["image"];
    });
  }
  munged["activeDeadlineSeconds"] = oldSpec["activeDeadlineSeconds"];
  munged["tolerations"] = oldSpec["tolerations"];
  const oldGrace = oldSpec["terminationGracePeriodSeconds"];
  if (isInt(oldGrace) && oldGrace < 0 && munged["terminationGracePeriodSeconds"] === 1) {
    munged["terminationGracePeriodSeconds"] = oldGrace;
  }
  const changes = diffPaths(canonical(oldSpec), canonical(munged), "spec");
  if (changes.length > 0) {
    causes.push(
      forbidden(
        "spec",
        `${POD_UPDATE_FORBIDDEN_MESSAGE}\n${changes
          .slice(0, 20)
          .map((c) => `  ${c}`)
          .join("\n")}`,
      ),
    );
  }
  return causes;
}

/** A JSON value with undefined members dropped, so comparisons ignore them. */
function canonical(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

/** JSON with sorted keys and undefined members dropped. */
function stableJson(value: unknown): string {
  const o = obj(value);
  if (o) {
    const keys = Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`).join(",")}}`;
  }
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  return JSON.stringify(value) ?? "null";
}

/** The paths that differ between two JSON values, with old and new values. */
function diffPaths(a: unknown, b: unknown, path: string): string[] {
  if (stableJson(a) === stableJson(b)) return [];
  const ao = obj(a);
  const bo = obj(b);
  if (ao && bo) {
    const keys = [...new Set([...Object.keys(ao), ...Object.keys(bo)])].sort();
    return keys.flatMap((k) => diffPaths(ao[k], bo[k], `${path}.${k}`));
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    return a.flatMap((item, i) => diffPaths(item, b[i], `${path}[${i}]`));
  }
  return [`${path}: ${JSON.stringify(a) ?? "null"} -> ${JSON.stringify(b) ?? "null"}`];
}
