/**
 * Host port conflicts, as the scheduler's NodePorts plugin checks them (HostPortInfo.CheckConflict):
 * two ports conflict when protocol and port are equal and either host IP is unspecified or both
 * are the same. Only app containers' ports with a hostPort above zero count, as upstream.
 */
import type { IPod } from "kubernetes-models/v1";

export interface HostPort {
  readonly hostIP: string;
  readonly protocol: string;
  readonly port: number;
}

/** kubelet: DefaultBindAllHostIP */
export const BIND_ALL_HOST_IP = "0.0.0.0";

function isUnspecified(ip: string): boolean {
  return ip === "" || ip === BIND_ALL_HOST_IP || ip === "::";
}

export function podHostPorts(pod: IPod): HostPort[] {
  const ports: HostPort[] = [];
  for (const container of pod.spec?.containers ?? []) {
    for (const p of container.ports ?? []) {
      const port = p.hostPort ?? 0;
      if (port <= 0) continue;
      const ip = p.hostIP ?? "";
      ports.push({
        hostIP: isUnspecified(ip) ? BIND_ALL_HOST_IP : ip,
        protocol: (p.protocol as string | undefined) || "TCP",
        port,
      });
    }
  }
  return ports;
}

export function hostPortsConflict(a: HostPort, b: HostPort): boolean {
  if (a.port !== b.port || a.protocol !== b.protocol) return false;
  return a.hostIP === BIND_ALL_HOST_IP || b.hostIP === BIND_ALL_HOST_IP || a.hostIP === b.hostIP;
}

/** The first port of `pod` that one of `others` already holds, or undefined. */
export function conflictingHostPort(pod: IPod, others: readonly IPod[]): HostPort | undefined {
  const used = others.flatMap(podHostPorts);
  return podHostPorts(pod).find((want) => used.some((have) => hostPortsConflict(want, have)));
}
