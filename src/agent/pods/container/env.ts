/**
 * A container's environment as the kubelet builds it (kubelet: makeEnvironmentVariables): envFrom
 * sources first, then `env` in order, each value expanded against the variables defined before
 * it; valueFrom reads the downward API (fieldRef, resourceFieldRef) or ConfigMap and Secret keys
 * the caller has already fetched. A missing ConfigMap, Secret or key is a BerthError Invalid whose
 * message is the kubelet's, for the CreateContainerConfigError waiting state.
 */
import type {
  IContainer,
  IEnvVar,
  IObjectFieldSelector,
  IPod,
  IResourceFieldSelector,
} from "kubernetes-models/v1";
import { BerthError, ErrorCode, Quantity } from "../../../common/index.js";
import { expandVariables, lookupIn } from "./expansion.js";

/** The waiting reason a caller reports when building the config fails (kubelet: CreateContainerConfigError). */
export const CREATE_CONTAINER_CONFIG_ERROR = "CreateContainerConfigError";

/** Pre-fetched ConfigMap and Secret data, by object name in the pod's namespace; absent = not found. */
export interface EnvObjects {
  readonly configMaps?: ReadonlyMap<string, Readonly<Record<string, string>>>;
  /** Secret data already base64-decoded. */
  readonly secrets?: ReadonlyMap<string, Readonly<Record<string, string>>>;
}

/** Facts the downward API exposes that are not in the pod object. */
export interface DownwardFacts {
  readonly nodeName: string;
  readonly serviceAccountName?: string;
  readonly podIPs: readonly string[];
  readonly hostIPs: readonly string[];
  /** Node allocatable (quantities as in node.status.allocatable): the limit a container without one gets. */
  readonly nodeAllocatable?: Readonly<Record<string, string | number>>;
  /** Fallback for an unset memory limit when nodeAllocatable has no memory. */
  readonly memoryCapacityBytes?: number;
}

export interface EnvContext extends EnvObjects, DownwardFacts {}

function configError(message: string, details: Record<string, unknown> = {}): BerthError {
  return new BerthError(ErrorCode.Invalid, message, {
    details: { reason: CREATE_CONTAINER_CONFIG_ERROR, ...details },
  });
}

/** The environment, in the order names were first defined, later definitions winning. */
export function containerEnvironment(pod: IPod, container: IContainer, ctx: EnvContext): Map<string, string> {
  const env = new Map<string, string>();
  const namespace = pod.metadata?.namespace ?? "";
  for (const source of container.envFrom ?? []) {
    const prefix = source.prefix ?? "";
    if (source.configMapRef) {
      const { name = "", optional } = source.configMapRef;
      const data = ctx.configMaps?.get(name);
      if (data === undefined) {
        if (optional === true) continue;
        throw configError(`configmap "${name}" not found`, { configMap: name });
      }
      for (const key of Object.keys(data).sort()) env.set(prefix + key, data[key] ?? "");
    } else if (source.secretRef) {
      const { name = "", optional } = source.secretRef;
      const data = ctx.secrets?.get(name);
      if (data === undefined) {
        if (optional === true) continue;
        throw configError(`secret "${name}" not found`, { secret: name });
      }
      for (const key of Object.keys(data).sort()) env.set(prefix + key, data[key] ?? "");
    }
  }
  for (const variable of container.env ?? []) {
    const value = envValue(variable, pod, container, namespace, env, ctx);
    if (value !== undefined) env.set(variable.name, value);
  }
  return env;
}

/** undefined: an optional source is missing and the variable is left out. */
function envValue(
  variable: IEnvVar,
  pod: IPod,
  container: IContainer,
  namespace: string,
  defined: ReadonlyMap<string, string>,
  ctx: EnvContext,
): string | undefined {
  if (variable.value !== undefined && variable.value !== "") {
    return expandVariables(variable.value, lookupIn(defined));
  }
  const from = variable.valueFrom;
  if (!from) return "";
  if (from.fieldRef) return fieldRefValue(from.fieldRef, pod, ctx);
  if (from.resourceFieldRef) return resourceFieldRefValue(from.resourceFieldRef, pod, container, ctx);
  if (from.configMapKeyRef) {
    const { name = "", key, optional } = from.configMapKeyRef;
    const data = ctx.configMaps?.get(name);
    if (data === undefined) {
      if (optional === true) return undefined;
      throw configError(`configmap "${name}" not found`, { configMap: name });
    }
    const value = data[key];
    if (value === undefined) {
      if (optional === true) return undefined;
      throw configError(`couldn't find key ${key} in ConfigMap ${namespace}/${name}`, {
        configMap: name,
        key,
      });
    }
    return value;
  }
  if (from.secretKeyRef) {
    const { name = "", key, optional } = from.secretKeyRef;
    const data = ctx.secrets?.get(name);
    if (data === undefined) {
      if (optional === true) return undefined;
      throw configError(`secret "${name}" not found`, { secret: name });
    }
    const value = data[key];
    if (value === undefined) {
      if (optional === true) return undefined;
      throw configError(`couldn't find key ${key} in Secret ${namespace}/${name}`, { secret: name, key });
    }
    return value;
  }
  throw configError(`unsupported valueFrom in env var ${variable.name}`);
}

/** Labels or annotations as the downward API prints a whole map: sorted `key="value"` lines. */
export function formatDownwardMap(map: Readonly<Record<string, string>> | undefined): string {
  return Object.keys(map ?? {})
    .sort()
    .map((key) => `${key}=${JSON.stringify(map?.[key] ?? "")}`)
    .join("\n");
}

/** `metadata.labels['key']` -> ["metadata.labels", "key"] (kubelet: fieldpath.SplitMaybeSubscriptedPath). */
function splitSubscript(path: string): [string, string] | undefined {
  if (!path.endsWith("']")) return undefined;
  const body = path.slice(0, -2);
  const open = body.indexOf("['");
  if (open <= 0) return undefined;
  return [body.slice(0, open), body.slice(open + 2)];
}

export function fieldRefValue(ref: IObjectFieldSelector, pod: IPod, facts: DownwardFacts): string {
  if (ref.apiVersion !== undefined && ref.apiVersion !== "" && ref.apiVersion !== "v1") {
    throw configError(`unsupported pod version: ${ref.apiVersion}`);
  }
  const path = ref.fieldPath;
  const meta = pod.metadata ?? {};
  switch (path) {
    case "spec.nodeName":
      return pod.spec?.nodeName ?? facts.nodeName;
    case "spec.serviceAccountName":
      return pod.spec?.serviceAccountName ?? facts.serviceAccountName ?? "";
    case "status.hostIP":
      return facts.hostIPs[0] ?? "";
    case "status.hostIPs":
      return facts.hostIPs.join(",");
    case "status.podIP":
      return facts.podIPs[0] ?? "";
    case "status.podIPs":
      return facts.podIPs.join(",");
    case "metadata.name":
      return meta.name ?? "";
    case "metadata.namespace":
      return meta.namespace ?? "";
    case "metadata.uid":
      return meta.uid ?? "";
    case "metadata.labels":
      return formatDownwardMap(meta.labels);
    case "metadata.annotations":
      return formatDownwardMap(meta.annotations);
  }
  const subscripted = splitSubscript(path);
  if (subscripted) {
    const [base, key] = subscripted;
    if (base === "metadata.labels") return meta.labels?.[key] ?? "";
    if (base === "metadata.annotations") return meta.annotations?.[key] ?? "";
    throw configError(`fieldPath "${path}" does not support subscript`);
  }
  throw configError(`unsupported fieldPath: ${path}`);
}

function findContainer(pod: IPod, name: string): IContainer | undefined {
  return [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((c) => c.name === name);
}

function parseQuantity(value: string | number, what: string): Quantity {
  try {
    return Quantity.parse(value);
  } catch (err) {
    throw configError(`invalid quantity ${JSON.stringify(value)} for ${what}`, { cause: String(err) });
  }
}

const DEFAULTED_LIMITS: ReadonlySet<string> = new Set(["cpu", "memory", "ephemeral-storage"]);

/** A resource of a container, an unset limit defaulting to node allocatable (kubelet: defaultPodLimitsForDownwardAPI). */
function containerResource(
  container: IContainer,
  kind: "limits" | "requests",
  resource: string,
  facts: DownwardFacts,
): Quantity {
  const set = container.resources?.[kind]?.[resource];
  if (set !== undefined) return parseQuantity(set, `${kind}.${resource}`);
  // Only these three limits default to allocatable; requests and hugepages default to 0.
  if (kind === "requests" || !DEFAULTED_LIMITS.has(resource)) return Quantity.fromValue(0);
  const allocatable = facts.nodeAllocatable?.[resource];
  if (allocatable !== undefined) return parseQuantity(allocatable, `allocatable ${resource}`);
  if (resource === "memory" && facts.memoryCapacityBytes !== undefined) {
    return Quantity.fromValue(facts.memoryCapacityBytes, "BinarySI");
  }
  throw configError(`node allocatable ${resource} is unknown, needed for limits.${resource}`);
}

/** Divides and rounds up, as the kubelet's math.Ceil over the two amounts. */
function ceilDiv(n: bigint, d: bigint): string {
  if (d <= 0n) throw configError("resourceFieldRef divisor must be positive");
  const q = n / d;
  return String(q * d === n || n < 0n ? q : q + 1n);
}

/** kubelet: resource.ExtractContainerResourceValue (cpu in millis over the divisor, others in units). */
export function resourceFieldRefValue(
  ref: IResourceFieldSelector,
  pod: IPod,
  container: IContainer,
  facts: DownwardFacts,
): string {
  const target = ref.containerName ? findContainer(pod, ref.containerName) : container;
  if (!target)
    throw configError(`container ${ref.containerName ?? ""} not found in pod for resourceFieldRef`);
  const zero = ref.divisor === undefined || parseQuantity(ref.divisor, "divisor").sign() === 0;
  const divisor = zero ? Quantity.fromValue(1) : parseQuantity(ref.divisor ?? 1, "divisor");
  const dot = ref.resource.indexOf(".");
  const kind = ref.resource.slice(0, dot);
  const name = ref.resource.slice(dot + 1);
  const supported =
    (kind === "limits" || kind === "requests") &&
    (name === "cpu" || name === "memory" || name === "ephemeral-storage" || name.startsWith("hugepages-"));
  if (dot < 0 || !supported) throw configError(`unsupported container resource : ${ref.resource}`);
  const amount = containerResource(target, kind, name, facts);
  if (name === "cpu") return ceilDiv(amount.milliValue(), divisor.milliValue());
  return ceilDiv(amount.value(), divisor.value());
}

/** command and args with `$(VAR)` expanded against the final environment (kubelet: ExpandContainerCommandAndArgs). */
export function expandCommand(
  values: readonly string[] | undefined,
  env: ReadonlyMap<string, string>,
): string[] {
  const lookup = lookupIn(env);
  return (values ?? []).map((value) => expandVariables(value, lookup));
}
