/** One informer per collection, shared by the controllers that ask for it (SharedInformerFactory). */
import type { ApiClient, KubeObject } from "../../api/index.js";
import type { Clock } from "../../common/clock.js";
import type { Logger } from "../../common/log.js";
import { Informer } from "./informer.js";

export class InformerFactory {
  readonly #informers = new Map<string, Informer<KubeObject>>();
  #signal: AbortSignal | undefined;

  constructor(
    private readonly client: Pick<ApiClient, "list" | "watch">,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /** The informer of a collection path such as /api/v1/pods or /apis/apps/v1/replicasets. */
  for<T extends KubeObject>(path: string): Informer<T> {
    let informer = this.#informers.get(path);
    if (informer === undefined) {
      informer = new Informer<KubeObject>({
        client: this.client,
        path,
        clock: this.clock,
        log: this.log.child({ informer: path }),
      });
      this.#informers.set(path, informer);
      if (this.#signal !== undefined) informer.start(this.#signal);
    }
    return informer as unknown as Informer<T>;
  }

  /** Starts every informer made so far and any made later. */
  start(signal: AbortSignal): void {
    this.#signal = signal;
    for (const informer of this.#informers.values()) informer.start(signal);
  }

  /** Resolves when every informer has its first list. */
  async synced(): Promise<void> {
    await Promise.all([...this.#informers.values()].map((i) => i.ready));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.#informers.values()].map((i) => i.stop()));
  }
}
