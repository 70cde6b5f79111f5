/**
 * A shared informer (client-go SharedIndexInformer, reduced): one Reflector per collection, a
 * read-only cache every controller reads, and any number of event handlers. Handlers run in the
 * order they were added and must only enqueue work.
 */
import { Reflector, type ApiClient, type KubeObject, type ReflectorHandler } from "../../api/index.js";
import type { Clock } from "../../common/clock.js";
import type { Logger } from "../../common/log.js";

export interface InformerOptions {
  readonly client: Pick<ApiClient, "list" | "watch">;
  /** The collection across all namespaces, e.g. /api/v1/pods. */
  readonly path: string;
  readonly clock: Clock;
  readonly log: Logger;
}

export class Informer<T extends KubeObject> {
  readonly #reflector: Reflector<T>;
  readonly #handlers: ReflectorHandler<T>[] = [];
  readonly ready: Promise<void>;

  constructor(options: InformerOptions) {
    this.#reflector = new Reflector<T>({
      client: options.client,
      path: options.path,
      clock: options.clock,
      log: options.log,
      handler: {
        onAdd: (obj) => {
          for (const h of this.#handlers) h.onAdd?.(obj);
        },
        onUpdate: (old, obj) => {
          for (const h of this.#handlers) h.onUpdate?.(old, obj);
        },
        onDelete: (obj) => {
          for (const h of this.#handlers) h.onDelete?.(obj);
        },
      },
    });
    this.ready = this.#reflector.ready;
  }

  addHandler(handler: ReflectorHandler<T>): void {
    this.#handlers.push(handler);
  }

  /** The cached object for "namespace/name" (or "name"). */
  get(key: string): T | undefined {
    return this.#reflector.get(key);
  }

  /** Cached objects, in one namespace or all. */
  list(namespace?: string): T[] {
    const all = this.#reflector.list();
    return namespace === undefined ? all : all.filter((o) => o.metadata?.namespace === namespace);
  }

  start(signal: AbortSignal): void {
    this.#reflector.start(signal);
  }

  stop(): Promise<void> {
    return this.#reflector.stop();
  }
}
