/**
 * A PodSandboxConfig to the create options of the pause container that holds a pod's network,
 * IPC and (optionally) PID namespaces. App containers join it with `container:<id>` modes.
 */
import type Docker from "dockerode";
import type { PodSandboxConfig, PortMapping } from "../types.js";
import { encodeLabels, encodeNamespaces, TYPE_SANDBOX } from "./docker-labels.js";
import { sandboxName } from "./names.js";

export interface SandboxOptionsInput {
  readonly config: PodSandboxConfig;
  readonly podInfraImage: string;
  readonly createdNanos: bigint;
}

/** Docker's port keys and bindings; a mapping without a host port is only exposed. */
export function portBindings(mappings: readonly PortMapping[]): {
  exposed: Record<string, Record<string, never>>;
  bindings: Record<string, { HostIp: string; HostPort: string }[]>;
} {
  const exposed: Record<string, Record<string, never>> = {};
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const mapping of mappings) {
    const key = `${mapping.containerPort}/${mapping.protocol.toLowerCase()}`;
    exposed[key] = {};
    if (mapping.hostPort !== undefined && mapping.hostPort > 0) {
      (bindings[key] ??= []).push({ HostIp: mapping.hostIp ?? "", HostPort: String(mapping.hostPort) });
    }
  }
  return { exposed, bindings };
}

export function sandboxCreateOptions(input: SandboxOptionsInput): Docker.ContainerCreateOptions {
  const { config } = input;
  const hostNetwork = config.namespaceOptions.network === "NODE";
  const { exposed, bindings } = portBindings(config.portMappings);
  const hostConfig: Docker.HostConfig = {
    NetworkMode: hostNetwork ? "host" : "bridge",
    // "shareable" so that app containers may join it; "host" shares the node's.
    IpcMode: config.namespaceOptions.ipc === "NODE" ? "host" : "shareable",
    ...(config.namespaceOptions.pid === "NODE" ? { PidMode: "host" } : {}),
    RestartPolicy: { Name: "no" },
    Privileged: config.privileged === true,
    ...(config.cgroupParent ? { CgroupParent: config.cgroupParent } : {}),
    ...(Object.keys(config.sysctls).length > 0 ? { Sysctls: { ...config.sysctls } } : {}),
    ...(config.seccomp?.type === "Unconfined" ? { SecurityOpt: ["seccomp=unconfined"] } : {}),
    // A RuntimeClass handler names a Docker runtime (daemon.json "runtimes", or the built-in runc).
    ...(config.runtimeHandler ? { Runtime: config.runtimeHandler } : {}),
  };
  // Docker refuses DNS settings, a hostname and published ports together with host networking.
  if (!hostNetwork) {
    if (config.dnsConfig) {
      hostConfig.Dns = [...config.dnsConfig.servers];
      hostConfig.DnsSearch = [...config.dnsConfig.searches];
      hostConfig.DnsOptions = [...config.dnsConfig.options];
    }
    if (Object.keys(bindings).length > 0) hostConfig.PortBindings = bindings;
  }
  return {
    name: sandboxName(config.metadata),
    Image: input.podInfraImage,
    ...(!hostNetwork && config.hostname ? { Hostname: config.hostname } : {}),
    ...(!hostNetwork && Object.keys(exposed).length > 0 ? { ExposedPorts: exposed } : {}),
    Labels: encodeLabels(config.labels, config.annotations, {
      type: TYPE_SANDBOX,
      created: input.createdNanos.toString(),
      logDirectory: config.logDirectory,
      namespaces: encodeNamespaces(config.namespaceOptions),
    }),
    HostConfig: hostConfig,
  };
}
