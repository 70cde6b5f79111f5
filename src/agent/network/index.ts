/** The node's pod network: host-gw routes to the other nodes' pod ranges. */
export { HostGwRoutes, POD_ROUTES_RESYNC_MS, type HostGwRoutesOptions } from "./host-gw-routes.js";
export { ipRouteTable, BERTH_ROUTE_PROTOCOL } from "./ip-route-table.js";
export type { PodRoute, RouteTable } from "./route-table.js";
