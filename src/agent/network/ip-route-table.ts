/**
 * RouteTable over iproute2 (`ip route`), in the main table. Every route carries the protocol
 * number BERTH_ROUTE_PROTOCOL, so the agent finds its own routes again after a restart and never
 * touches another component's.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { BerthError, ErrorCode, errorMessage } from "../../common/index.js";
import type { PodRoute, RouteTable } from "./route-table.js";

const run = promisify(execFile);

/** The rtnetlink protocol berth's routes carry ("proto 98" in `ip route`). */
export const BERTH_ROUTE_PROTOCOL = 98;

interface IpRouteJson {
  readonly dst?: string;
  readonly gateway?: string;
}

async function ip(args: readonly string[]): Promise<string> {
  try {
    return (await run("ip", [...args])).stdout;
  } catch (err) {
    throw new BerthError(ErrorCode.Internal, `ip ${args.join(" ")}: ${errorMessage(err)}`, { cause: err });
  }
}

export const ipRouteTable: RouteTable = {
  async list() {
    const out = await ip(["-j", "-4", "route", "show", "proto", String(BERTH_ROUTE_PROTOCOL)]);
    const routes = JSON.parse(out === "" ? "[]" : out) as IpRouteJson[];
    return routes.flatMap((r) =>
      r.dst !== undefined && r.gateway !== undefined ? [{ destination: r.dst, gateway: r.gateway }] : [],
    );
  },
  async replace(route: PodRoute) {
    await ip([
      "route",
      "replace",
      route.destination,
      "via",
      route.gateway,
      "proto",
      String(BERTH_ROUTE_PROTOCOL),
    ]);
  },
  async remove(route: PodRoute) {
    const current = await ipRouteTable.list();
    if (!current.some((r) => r.destination === route.destination && r.gateway === route.gateway)) return;
    await ip([
      "route",
      "del",
      route.destination,
      "via",
      route.gateway,
      "proto",
      String(BERTH_ROUTE_PROTOCOL),
    ]);
  },
};
