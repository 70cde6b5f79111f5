/**
 * The namespace controller (pkg/controller/namespace): a namespace being deleted (Terminating,
 * with the "kubernetes" finalizer in spec.finalizers) has every namespaced object in it deleted;
 * once nothing is left the finalizer is removed through /finalize and the API server lets the
 * namespace go. Each pass writes what it found into the namespace's status conditions.
 */
import { resourcePath, type ApiClient, type KubeObject } from "../../api/index.js";
import type { Clock } from "../../common/clock.js";
import { errorMessage, isConflict, isNotFound } from "../../common/errors.js";
import type { Logger } from "../../common/log.js";
import { collectionPath, objectPath, type ServedResource } from "../discovery.js";
import type { Informer } from "../informers/index.js";
import { WorkQueue } from "../queue/index.js";
import { runWorkers } from "../util/index.js";
import { namespaceConditions, type ContentTotals } from "./conditions.js";
import type { INamespaceCondition } from "kubernetes-models/v1";

export const FINALIZER_KUBERNETES = "kubernetes"; // v1.FinalizerKubernetes
export const NAMESPACE_WORKERS = 10; // kube-controller-manager --concurrent-namespace-syncs
/** How soon a namespace whose content is still going is looked at again. */
export const NAMESPACE_RECHECK_MS = 1000;

type Namespace = KubeObject & {
  spec?: { finalizers?: string[] };
  status?: { phase?: string; conditions?: INamespaceCondition[] };
};

export interface NamespaceControllerOptions {
  readonly client: Pick<ApiClient, "list" | "delete" | "update">;
  readonly namespaces: Informer<Namespace>;
  readonly resources: readonly ServedResource[];
  readonly clock: Clock;
  readonly log: Logger;
}

export class NamespaceController {
  readonly #opts: NamespaceControllerOptions;
  readonly #queue: WorkQueue;
  readonly #log: Logger;

  constructor(opts: NamespaceControllerOptions) {
    this.#opts = opts;
    this.#log = opts.log.child({ controller: "namespace" });
    this.#queue = new WorkQueue({ clock: opts.clock });
    const enqueue = (ns: Namespace) => {
      if (ns.metadata?.deletionTimestamp !== undefined) this.#queue.add(ns.metadata.name ?? "");
    };
    opts.namespaces.addHandler({ onAdd: enqueue, onUpdate: (_old, ns) => enqueue(ns) });
  }

  async run(signal: AbortSignal): Promise<void> {
    signal.addEventListener("abort", () => this.#queue.shutDown(), { once: true });
    await runWorkers(this.#queue, NAMESPACE_WORKERS, (name) => this.sync(name), this.#log);
  }

  async sync(name: string): Promise<void> {
    const ns = this.#opts.namespaces.get(name);
    if (ns?.metadata?.deletionTimestamp === undefined) return;
    if (!(ns.spec?.finalizers ?? []).includes(FINALIZER_KUBERNETES)) return;
    const totals = await this.#deleteAllContent(name);
    await this.#writeConditions(ns, totals);
    const remaining = [...totals.remaining.values()].reduce((a, b) => a + b, 0);
    if (remaining > 0 || totals.deleteErrors.length > 0) {
      this.#log.debug({ namespace: name, remaining }, "namespace content still terminating");
      this.#queue.addAfter(name, NAMESPACE_RECHECK_MS);
      return;
    }
    try {
      await this.#opts.client.update(
        resourcePath({ resource: "namespaces", name, subresource: "finalize" }),
        {
          apiVersion: "v1",
          kind: "Namespace",
          metadata: { name },
          spec: { finalizers: (ns.spec?.finalizers ?? []).filter((f) => f !== FINALIZER_KUBERNETES) },
        },
      );
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }

  /**
   * deleteAllContent: asks every namespaced resource's objects to go; what is still there (by
   * resource and by finalizer) and which deletions failed.
   */
  async #deleteAllContent(namespace: string): Promise<ContentTotals> {
    const remaining = new Map<string, number>();
    const finalizers = new Map<string, number>();
    const deleteErrors: string[] = [];
    const count = (m: Map<string, number>, key: string): void => {
      m.set(key, (m.get(key) ?? 0) + 1);
    };
    for (const r of this.#opts.resources) {
      if (!r.namespaced || !r.verbs.includes("list") || !r.verbs.includes("delete")) continue;
      const list = await this.#opts.client.list<KubeObject>(collectionPath(r, namespace));
      for (const obj of list.items) {
        count(remaining, `${r.resource}.${r.group}`);
        for (const f of obj.metadata?.finalizers ?? []) count(finalizers, f);
        if (obj.metadata?.deletionTimestamp !== undefined) continue;
        try {
          await this.#opts.client.delete(objectPath(r, namespace, obj.metadata?.name ?? ""), {
            preconditions: { uid: obj.metadata?.uid ?? "" },
          });
        } catch (err) {
          if (!isNotFound(err) && !isConflict(err)) deleteErrors.push(errorMessage(err));
        }
      }
    }
    return { remaining, finalizers, deleteErrors };
  }

  /** The pass's findings as status conditions, written only when they changed. */
  async #writeConditions(ns: Namespace, totals: ContentTotals): Promise<void> {
    const now = new Date(this.#opts.clock.now()).toISOString().replace(/\.\d{3}Z$/, "Z");
    const { conditions, changed } = namespaceConditions(ns.status?.conditions ?? [], totals, now);
    if (!changed) return;
    const name = ns.metadata?.name ?? "";
    try {
      await this.#opts.client.update(resourcePath({ resource: "namespaces", name, subresource: "status" }), {
        ...ns,
        status: { ...ns.status, conditions },
      });
    } catch (err) {
      // A newer namespace (or none) makes the next pass write again.
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }
}
