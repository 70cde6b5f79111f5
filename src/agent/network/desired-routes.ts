/**
 * host-gw routing (as flannel's host-gw backend): a route to every other node's pod range via
 * that node's InternalIP. Nodes without a pod range or an IPv4 InternalIP get no route.
 */
import { isIPv4 } from "node:net";
import type { INode } from "kubernetes-models/v1";
import type { PodRoute } from "./route-table.js";

export function desiredRoutes(nodes: readonly INode[], self: string): PodRoute[] {
  const routes: PodRoute[] = [];
  for (const node of nodes) {
    if (node.metadata?.name === self || node.metadata?.deletionTimestamp !== undefined) continue;
    const destination = node.spec?.podCIDRs?.find((c) => isIPv4(c.split("/")[0] ?? "")) ?? node.spec?.podCIDR;
    const gateway = node.status?.addresses?.find(
      (a) => a.type === "InternalIP" && isIPv4(a.address),
    )?.address;
    if (destination === undefined || destination === "" || !isIPv4(destination.split("/")[0] ?? "")) continue;
    if (gateway === undefined) continue;
    routes.push({ destination, gateway });
  }
  return routes.sort((a, b) => a.destination.localeCompare(b.destination));
}

/** What to change so that `current` becomes `desired`: one route per destination. */
export function routeChanges(
  current: readonly PodRoute[],
  desired: readonly PodRoute[],
): { readonly add: PodRoute[]; readonly remove: PodRoute[] } {
  const same = (a: PodRoute, b: PodRoute) => a.destination === b.destination && a.gateway === b.gateway;
  return {
    add: desired.filter((d) => !current.some((c) => same(c, d))),
    remove: current.filter((c) => !desired.some((d) => same(c, d))),
  };
}
