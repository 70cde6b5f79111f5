/**
 * Pod -> PodSandboxConfig (kubelet: kuberuntime generatePodSandboxConfig): metadata, hostname,
 * log directory, DNS, port mappings, labels and annotations, namespace modes and sysctls.
 */
import { posix } from "node:path";
import type { IPod } from "kubernetes-models/v1";
import { BerthError, ErrorCode } from "../../../common/index.js";
import {
  sandboxLabels,
  type DnsConfig,
  type NamespaceOptions,
  type PodSandboxConfig,
  type PortMapping,
  type Protocol,
  type SecurityProfile,
} from "../../../runtime/index.js";

/** Longest hostname the kernel takes (kubelet: hostnameMaxLen). */
export const HOSTNAME_MAX_LENGTH = 63;
/** Name servers a resolv.conf may list (kubelet: validation.MaxDNSNameservers). */
export const MAX_DNS_NAMESERVERS = 3;
/** Search domains kept (kubelet: validation.MaxDNSSearchPaths). */
export const MAX_DNS_SEARCH_PATHS = 32;
/** The resolver option cluster-first pods get (kubelet: ndotsDNSOption). */
export const CLUSTER_DNS_NDOTS_OPTION = "ndots:5";

export interface HostDns {
  /** From the host's resolv.conf (the agent reads it; this module does no I/O). */
  readonly servers: readonly string[];
  readonly searches: readonly string[];
  readonly options?: readonly string[];
}

/** The cluster DNS service, when one is configured (KubeletConfiguration clusterDNS / clusterDomain). */
export interface ClusterDns {
  readonly servers: readonly string[];
  readonly domain: string;
}

export interface SandboxConfigOptions {
  /** Bumped for each new sandbox of the same pod. */
  readonly attempt: number;
  /** The pods log root (kubelet: /var/log/pods). */
  readonly logDirectory: string;
  /** The pod-level cgroup from PodCgroups.ensure(). */
  readonly cgroupParent?: string;
  readonly hostDns: HostDns;
  readonly clusterDns?: ClusterDns;
  /** KubeletConfiguration seccompDefault: the sandbox's profile when the pod sets none. */
  readonly seccompDefault?: boolean;
  /** KubeletConfiguration clusterDomain, for the pod's FQDN whether or not clusterDNS is set. */
  readonly clusterDomain?: string;
}

function invalid(message: string): BerthError {
  return new BerthError(ErrorCode.Invalid, message);
}

/** `<root>/<namespace>_<name>_<uid>` (kubelet: BuildPodLogsDirectory). */
export function podLogDirectory(root: string, pod: IPod): string {
  const meta = pod.metadata ?? {};
  return posix.join(root, `${meta.namespace ?? ""}_${meta.name ?? ""}_${meta.uid ?? ""}`);
}

/** Cut to 63 characters, without a trailing '-' or '.' (kubelet: truncatePodHostnameIfNeeded). */
export function truncateHostname(name: string): string {
  if (name.length <= HOSTNAME_MAX_LENGTH) return name;
  return name.slice(0, HOSTNAME_MAX_LENGTH).replace(/[-.]+$/, "");
}

/** The pod's hostname: spec.hostname, else the pod name (kubelet: GeneratePodHostNameAndDomain). */
export function podHostname(pod: IPod): string {
  const name = pod.spec?.hostname || pod.metadata?.name || "";
  return truncateHostname(name);
}

/**
 * The pod's hostname and, with spec.subdomain and a cluster domain, its domain
 * `<subdomain>.<namespace>.svc.<clusterDomain>` (kubelet: GeneratePodHostNameAndDomain), for the
 * pod's /etc/hosts.
 */
export function podHostnameAndDomain(
  pod: IPod,
  clusterDomain: string | undefined,
): { hostname: string; domain?: string } {
  const hostname = podHostname(pod);
  const subdomain = pod.spec?.subdomain;
  if (!subdomain || !clusterDomain) return { hostname };
  return { hostname, domain: `${subdomain}.${pod.metadata?.namespace ?? ""}.svc.${clusterDomain}` };
}

/** The longest FQDN a pod may use as its kernel hostname (kubelet: GetNodenameForKernel's limit). */
export const FQDN_MAX_LENGTH = 64;

/** The hostname the sandbox sets: the short name, or the FQDN with setHostnameAsFQDN. */
export function sandboxHostname(pod: IPod, clusterDomain: string | undefined): string {
  const { hostname, domain } = podHostnameAndDomain(pod, clusterDomain);
  if (pod.spec?.setHostnameAsFQDN !== true || domain === undefined) return hostname;
  const fqdn = `${hostname}.${domain}`;
  if (fqdn.length > FQDN_MAX_LENGTH) {
    throw invalid(
      `failed to construct FQDN from pod hostname and cluster domain, FQDN ${fqdn} is too long (${FQDN_MAX_LENGTH} characters is the max, ${fqdn.length} characters requested)`,
    );
  }
  return fqdn;
}

function dedupe(values: readonly string[]): string[] {
  return [...new Set(values)];
}

/** kubelet: GetPodDNS (the dnsPolicy choice, then the pod's own dnsConfig merged in). */
export function podDnsConfig(pod: IPod, hostDns: HostDns, clusterDns: ClusterDns | undefined): DnsConfig {
  const spec = pod.spec;
  const policy = spec?.dnsPolicy ?? "ClusterFirst";
  const hostNetwork = spec?.hostNetwork === true;
  let servers: string[] = [];
  let searches: string[] = [];
  let options: string[] = [];
  const clusterFirst =
    clusterDns !== undefined &&
    clusterDns.servers.length > 0 &&
    ((policy === "ClusterFirst" && !hostNetwork) || policy === "ClusterFirstWithHostNet");
  if (policy === "None") {
    // Only the pod's dnsConfig.
  } else if (clusterFirst) {
    const ns = pod.metadata?.namespace ?? "";
    servers = [...clusterDns.servers];
    searches = [
      `${ns}.svc.${clusterDns.domain}`,
      `svc.${clusterDns.domain}`,
      clusterDns.domain,
      ...hostDns.searches,
    ];
    options = [CLUSTER_DNS_NDOTS_OPTION];
  } else {
    // Default, or cluster-first without a cluster DNS (the kubelet falls back to the host's resolver).
    servers = [...hostDns.servers];
    searches = [...hostDns.searches];
    options = [...(hostDns.options ?? [])];
  }
  const own = spec?.dnsConfig;
  if (own) {
    servers.push(...(own.nameservers ?? []));
    searches.push(...(own.searches ?? []));
    for (const option of own.options ?? []) {
      const text = option.value === undefined ? (option.name ?? "") : `${option.name ?? ""}:${option.value}`;
      // A pod option replaces a host or cluster option of the same name.
      const name = option.name ?? "";
      options = options.filter((o) => o.split(":")[0] !== name);
      options.push(text);
    }
  }
  return {
    servers: dedupe(servers).slice(0, MAX_DNS_NAMESERVERS),
    searches: dedupe(searches).slice(0, MAX_DNS_SEARCH_PATHS),
    options: dedupe(options),
  };
}

function protocol(value: string | undefined): Protocol {
  if (value === undefined || value === "TCP" || value === "UDP" || value === "SCTP") return value ?? "TCP";
  throw invalid(`unsupported port protocol ${JSON.stringify(value)}`);
}

/** Every declared container port (kubelet: MakePortMappings); only those with a hostPort publish. */
export function podPortMappings(pod: IPod): PortMapping[] {
  const mappings: PortMapping[] = [];
  const seen = new Set<string>();
  for (const container of pod.spec?.containers ?? []) {
    for (const port of container.ports ?? []) {
      const proto = protocol(port.protocol);
      const key = `${proto}/${port.containerPort}/${port.hostPort ?? 0}/${port.hostIP ?? ""}`;
      if (seen.has(key)) continue;
      seen.add(key);
      mappings.push({
        protocol: proto,
        containerPort: port.containerPort,
        ...(port.hostPort !== undefined && port.hostPort > 0 ? { hostPort: port.hostPort } : {}),
        ...(port.hostIP ? { hostIp: port.hostIP } : {}),
      });
    }
  }
  return mappings;
}

/** kubelet: namespacesForPod (pid is per container unless shared or the host's). */
export function podNamespaceOptions(pod: IPod): NamespaceOptions {
  const spec = pod.spec;
  return {
    network: spec?.hostNetwork === true ? "NODE" : "POD",
    pid: spec?.hostPID === true ? "NODE" : spec?.shareProcessNamespace === true ? "POD" : "CONTAINER",
    ipc: spec?.hostIPC === true ? "NODE" : "POD",
  };
}

/**
 * The pause process's profile from the pod's (kubelet: applySandboxSecurityContext): Unconfined
 * stays so; a Localhost profile, written for the app, becomes RuntimeDefault for the pause process.
 */
function sandboxSeccomp(pod: IPod, seccompDefault: boolean): SecurityProfile {
  const type = pod.spec?.securityContext?.seccompProfile?.type;
  if (type === "Unconfined" || (type === undefined && !seccompDefault)) return { type: "Unconfined" };
  return { type: "RuntimeDefault" };
}

export function buildSandboxConfig(pod: IPod, opts: SandboxConfigOptions): PodSandboxConfig {
  const meta = pod.metadata ?? {};
  if (!meta.name || !meta.namespace || !meta.uid) {
    throw invalid("pod metadata must have name, namespace and uid to build a sandbox");
  }
  if (!Number.isInteger(opts.attempt) || opts.attempt < 0) {
    throw invalid(`sandbox attempt must be a non-negative integer, got ${opts.attempt}`);
  }
  const ref = { name: meta.name, namespace: meta.namespace, uid: meta.uid };
  const spec = pod.spec;
  const sysctls: Record<string, string> = {};
  for (const sysctl of spec?.securityContext?.sysctls ?? []) sysctls[sysctl.name] = sysctl.value;
  const privileged = [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])].some(
    (c) => c.securityContext?.privileged === true,
  );
  return {
    metadata: { ...ref, attempt: opts.attempt },
    // Setting a hostname needs a private UTS namespace, which host networking does not have.
    ...(spec?.hostNetwork === true ? {} : { hostname: sandboxHostname(pod, opts.clusterDomain) }),
    logDirectory: podLogDirectory(opts.logDirectory, pod),
    dnsConfig: podDnsConfig(pod, opts.hostDns, opts.clusterDns),
    portMappings: podPortMappings(pod),
    // The bookkeeping labels win over pod labels of the same name.
    labels: { ...(meta.labels ?? {}), ...sandboxLabels(ref) },
    annotations: { ...(meta.annotations ?? {}) },
    ...(opts.cgroupParent === undefined ? {} : { cgroupParent: opts.cgroupParent }),
    namespaceOptions: podNamespaceOptions(pod),
    sysctls,
    ...(privileged ? { privileged: true } : {}),
    seccomp: sandboxSeccomp(pod, opts.seccompDefault === true),
  };
}
