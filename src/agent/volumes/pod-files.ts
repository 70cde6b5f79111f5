/**
 * Host files the agent mounts into a pod's containers (kubelet: makeMounts): the per-container
 * termination message file and the managed /etc/hosts, under <podsDir>/<uid>.
 */
import { chmod, mkdir, writeFile } from "node:fs/promises";
import type { IHostAlias } from "kubernetes-models/v1";
import { dirname, join } from "node:path";
import { podDirectory } from "./pod-directory.js";

/** An empty, world-writable host file for one container run's termination message. */
export async function prepareTerminationMessageFile(
  podsDir: string,
  uid: string,
  containerName: string,
  restartCount: number,
): Promise<string> {
  const path = join(podDirectory(podsDir, uid), "containers", containerName, String(restartCount));
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, "");
  await chmod(path, 0o666);
  return path;
}

/** The pod's /etc/hosts (kubelet: managedHostsFileContent with hostsEntriesFromHostAliases). */
export async function prepareEtcHosts(
  podsDir: string,
  uid: string,
  podIPs: readonly string[],
  hostname: string,
  /** subdomain.namespace.svc.clusterDomain, when the pod has a subdomain and the node a cluster domain. */
  domain: string | undefined,
  hostAliases: readonly IHostAlias[] = [],
): Promise<string> {
  const path = join(podDirectory(podsDir, uid), "etc-hosts");
  const lines = [
    "# Kubernetes-managed hosts file.",
    "127.0.0.1\tlocalhost",
    "::1\tlocalhost ip6-localhost ip6-loopback",
    "fe00::0\tip6-localnet",
    "fe00::0\tip6-mcastprefix",
    "fe00::1\tip6-allnodes",
    "fe00::2\tip6-allrouters",
    ...podIPs.map((ip) => (domain ? `${ip}\t${hostname}.${domain}\t${hostname}` : `${ip}\t${hostname}`)),
  ];
  if (hostAliases.length > 0) {
    lines.push("", "# Entries added by HostAliases.");
    for (const alias of hostAliases) lines.push([alias.ip ?? "", ...(alias.hostnames ?? [])].join("\t"));
  }
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${lines.join("\n")}\n`);
  return path;
}
