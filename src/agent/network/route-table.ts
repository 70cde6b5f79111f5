/** The slice of the host's routing table the agent keeps: routes it added, marked as its own. */
export interface PodRoute {
  /** The other node's pod range, e.g. 10.244.1.0/24. */
  readonly destination: string;
  /** The other node's InternalIP. */
  readonly gateway: string;
}

export interface RouteTable {
  /** The routes this agent added earlier (found by their protocol mark), also after a restart. */
  list(): Promise<PodRoute[]>;
  /** Adds the route, or replaces the one to the same destination. */
  replace(route: PodRoute): Promise<void>;
  /** Removes the route; an absent one is not an error. */
  remove(route: PodRoute): Promise<void>;
}

export function routeKey(route: PodRoute): string {
  return `${route.destination} via ${route.gateway}`;
}
