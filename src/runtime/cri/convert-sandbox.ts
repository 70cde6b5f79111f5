import type {
  NamespaceMode,
  NamespaceOptions,
  PodSandbox,
  PodSandboxConfig,
  PodSandboxFilter,
  PodSandboxStatus,
  SandboxState,
  SecurityProfile,
} from "../types.js";
import type { WireNamespaceOption, WirePodSandbox, WirePodSandboxStatus, WireSandboxState } from "./wire.js";
import { wireBigInt, wireMap } from "./wire-values.js";

const SANDBOX_STATE_TO_WIRE: Record<SandboxState, WireSandboxState> = {
  ready: "SANDBOX_READY",
  notready: "SANDBOX_NOTREADY",
};

export function sandboxStateFromWire(state: WireSandboxState): SandboxState {
  return state === "SANDBOX_READY" ? "ready" : "notready";
}

export function namespaceOptionsToWire(options: NamespaceOptions): WireNamespaceOption {
  return { network: options.network, pid: options.pid, ipc: options.ipc, target_id: "" };
}

/** CRI SecurityProfile; absent stays null (the runtime's choice). */
export function securityProfileToWire(p: SecurityProfile | undefined): Record<string, unknown> | null {
  if (p === undefined) return null;
  return { profile_type: p.type, localhost_ref: p.type === "Localhost" ? p.localhostRef : "" };
}

const DEFAULT_NAMESPACES: NamespaceOptions = { network: "POD", pid: "CONTAINER", ipc: "POD" };

export function namespaceOptionsFromWire(options: WireNamespaceOption | null | undefined): NamespaceOptions {
  if (!options) return DEFAULT_NAMESPACES;
  const mode = (m: string): NamespaceMode => m as NamespaceMode;
  return { network: mode(options.network), pid: mode(options.pid), ipc: mode(options.ipc) };
}

/**
 * runtime.v1 PodSandboxConfig for a sandbox. With host networking the hostname is left out: a
 * runtime cannot set one without a private UTS namespace.
 */
export function sandboxConfigToWire(config: PodSandboxConfig): Record<string, unknown> {
  const hostNetwork = config.namespaceOptions.network === "NODE";
  return {
    metadata: {
      name: config.metadata.name,
      uid: config.metadata.uid,
      namespace: config.metadata.namespace,
      attempt: config.metadata.attempt,
    },
    hostname: hostNetwork ? "" : (config.hostname ?? ""),
    log_directory: config.logDirectory,
    dns_config: config.dnsConfig
      ? {
          servers: [...config.dnsConfig.servers],
          searches: [...config.dnsConfig.searches],
          options: [...config.dnsConfig.options],
        }
      : null,
    port_mappings: config.portMappings.map((p) => ({
      protocol: p.protocol,
      container_port: p.containerPort,
      host_port: p.hostPort ?? 0,
      host_ip: p.hostIp ?? "",
    })),
    labels: { ...config.labels },
    annotations: { ...config.annotations },
    linux: {
      cgroup_parent: config.cgroupParent ?? "",
      security_context: {
        namespace_options: namespaceOptionsToWire(config.namespaceOptions),
        privileged: config.privileged ?? false,
        seccomp: securityProfileToWire(config.seccomp),
      },
      sysctls: { ...config.sysctls },
    },
  };
}

export function sandboxFilterToWire(filter: PodSandboxFilter | undefined): Record<string, unknown> | null {
  if (!filter) return null;
  return {
    id: filter.id ?? "",
    state: filter.state ? { state: SANDBOX_STATE_TO_WIRE[filter.state] } : null,
    label_selector: { ...(filter.labelSelector ?? {}) },
  };
}

export function sandboxFromWire(s: WirePodSandbox): PodSandbox {
  return {
    id: s.id,
    metadata: {
      name: s.metadata?.name ?? "",
      uid: s.metadata?.uid ?? "",
      namespace: s.metadata?.namespace ?? "",
      attempt: s.metadata?.attempt ?? 0,
    },
    state: sandboxStateFromWire(s.state),
    createdAt: wireBigInt(s.created_at),
    labels: wireMap(s.labels),
    annotations: wireMap(s.annotations),
  };
}

export function sandboxStatusFromWire(s: WirePodSandboxStatus): PodSandboxStatus {
  return {
    ...sandboxFromWire(s),
    ip: s.network?.ip ?? "",
    additionalIps: (s.network?.additional_ips ?? []).map((a) => a.ip),
    namespaceOptions: namespaceOptionsFromWire(s.linux?.namespaces?.options),
  };
}
