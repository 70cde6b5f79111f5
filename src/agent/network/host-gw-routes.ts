/**
 * Keeps the host's routes to the other nodes' pod ranges (desired-routes.ts) in step with the
 * Node objects: a list-watch of nodes wakes a sync, and a periodic resync repairs routes someone
 * removed. Every sync compares the routes the table holds with the desired ones and changes only
 * the difference, so it is idempotent and survives an agent restart. On by config only
 * (podRoutes: host-gw): the routes go into the host's main table.
 *
 * Lifecycle: start(signal), ready (the first sync is done), stop().
 */
import type { INode } from "kubernetes-models/v1";
import { Reflector, type ApiClient, type KubeObject, type ObjectMeta } from "../../api/index.js";
import { systemClock, type Clock } from "../../common/clock.js";
import { errorMessage } from "../../common/errors.js";
import type { Logger } from "../../common/log.js";
import { desiredRoutes, routeChanges } from "./desired-routes.js";
import { routeKey, type RouteTable } from "./route-table.js";

/** How often the routes are compared with the table even when no node changed. */
export const POD_ROUTES_RESYNC_MS = 30_000;

type Node = INode & KubeObject & { metadata: NonNullable<INode["metadata"]> & ObjectMeta };

export interface HostGwRoutesOptions {
  readonly client: Pick<ApiClient, "list" | "watch">;
  readonly nodeName: string;
  readonly table: RouteTable;
  readonly clock?: Clock;
  readonly logger: Logger;
  readonly resyncMs?: number;
}

export class HostGwRoutes {
  readonly ready: Promise<void>;
  readonly #o: HostGwRoutesOptions;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #nodes: Reflector<Node>;
  #syncing: Promise<void> = Promise.resolve();
  #again = false;
  #markReady: () => void = () => undefined;
  #loop: Promise<void> | undefined;

  constructor(options: HostGwRoutesOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.#log = options.logger.child({ component: "pod-routes" });
    const wake = () => this.#wake();
    this.#nodes = new Reflector<Node>({
      client: options.client,
      path: "/api/v1/nodes",
      clock: this.#clock,
      log: this.#log,
      handler: { onAdd: wake, onUpdate: wake, onDelete: wake },
    });
    this.ready = new Promise((resolve) => (this.#markReady = resolve));
  }

  start(signal: AbortSignal): void {
    this.#nodes.start(signal);
    this.#loop = (async () => {
      await this.#nodes.ready;
      await this.#wake();
      this.#markReady();
      const period = this.#o.resyncMs ?? POD_ROUTES_RESYNC_MS;
      while (!signal.aborted) {
        await this.#clock.sleep(period, signal).catch(() => undefined);
        if (!signal.aborted) await this.#wake();
      }
    })();
  }

  async stop(): Promise<void> {
    await this.#nodes.stop();
    await this.#loop?.catch(() => undefined);
    await this.#syncing;
  }

  /** One sync at a time; a wake during a sync runs one more after it. */
  #wake(): Promise<void> {
    if (this.#again) return this.#syncing;
    this.#again = true;
    this.#syncing = this.#syncing.then(async () => {
      this.#again = false;
      try {
        await this.sync();
      } catch (err) {
        this.#log.warn({ err: errorMessage(err) }, "pod routes not synced; retrying at the next resync");
      }
    });
    return this.#syncing;
  }

  async sync(): Promise<void> {
    const desired = desiredRoutes(this.#nodes.list(), this.#o.nodeName);
    const { add, remove } = routeChanges(await this.#o.table.list(), desired);
    for (const route of remove) {
      await this.#o.table.remove(route);
      this.#log.info({ route: routeKey(route) }, "removed pod route");
    }
    for (const route of add) {
      await this.#o.table.replace(route);
      this.#log.info({ route: routeKey(route) }, "added pod route");
    }
  }
}
