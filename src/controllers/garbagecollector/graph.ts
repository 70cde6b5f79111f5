/**
 * The garbage collector's view of ownership (garbagecollector graph.go, reduced): every object
 * with its owner references, indexed by uid, and the dependents of each uid.
 */
import type { ServedResource } from "../discovery.js";
import type { OwnerReference } from "../util/index.js";

export interface GraphNode {
  readonly uid: string;
  readonly resource: ServedResource;
  readonly namespace: string | undefined;
  readonly name: string;
  readonly owners: readonly OwnerReference[];
  readonly deleting: boolean;
  readonly finalizers: readonly string[];
}

export class OwnershipGraph {
  readonly #nodes = new Map<string, GraphNode>();
  readonly #dependents = new Map<string, Set<string>>();

  get(uid: string): GraphNode | undefined {
    return this.#nodes.get(uid);
  }

  /** Adds or replaces a node; returns the previous one. */
  set(node: GraphNode): GraphNode | undefined {
    const old = this.#nodes.get(node.uid);
    if (old !== undefined) for (const o of old.owners) this.#dependents.get(o.uid)?.delete(node.uid);
    this.#nodes.set(node.uid, node);
    for (const o of node.owners) {
      let set = this.#dependents.get(o.uid);
      if (set === undefined) this.#dependents.set(o.uid, (set = new Set()));
      set.add(node.uid);
    }
    return old;
  }

  remove(uid: string): GraphNode | undefined {
    const old = this.#nodes.get(uid);
    if (old === undefined) return undefined;
    this.#nodes.delete(uid);
    for (const o of old.owners) {
      const set = this.#dependents.get(o.uid);
      set?.delete(uid);
      if (set?.size === 0) this.#dependents.delete(o.uid);
    }
    return old;
  }

  /** Nodes naming `uid` among their owners. */
  dependentsOf(uid: string): GraphNode[] {
    return [...(this.#dependents.get(uid) ?? [])].flatMap((d) => {
      const n = this.#nodes.get(d);
      return n === undefined ? [] : [n];
    });
  }

  nodes(): IterableIterator<GraphNode> {
    return this.#nodes.values();
  }
}
