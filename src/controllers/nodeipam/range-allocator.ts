/**
 * Node IPAM, the range allocator (pkg/controller/nodeipam/ipam/range_allocator.go): every node gets
 * a block of the cluster CIDR as spec.podCIDR and spec.podCIDRs; a node's block is freed when the
 * node is deleted. Blocks nodes already carry are taken out of the pool before any allocation, so
 * a restarted controller manager never hands one out twice. IPv4 single-stack.
 */
import { resourcePath, type ApiClient } from "../../api/index.js";
import type { EventRecorder } from "../../agent/events/index.js";
import type { Clock } from "../../common/clock.js";
import { isNotFound } from "../../common/errors.js";
import type { Logger } from "../../common/log.js";
import type { Informer } from "../informers/index.js";
import { WorkQueue } from "../queue/index.js";
import { runWorkers, type Node } from "../util/index.js";
import { CidrSet, formatCidr4, parseCidr4, type Cidr4 } from "./cidr-set.js";

export const NODE_CIDR_MASK_SIZE_IPV4 = 24; // --node-cidr-mask-size-ipv4 default
/** One worker: allocations must not race each other over the pool. */
const RANGE_ALLOCATOR_WORKERS = 1;
/** nodeutil.RecordNodeStatusChange's reason when the pool is empty. */
export const REASON_CIDR_NOT_AVAILABLE = "CIDRNotAvailable";

export interface RangeAllocatorOptions {
  readonly client: Pick<ApiClient, "patch">;
  readonly nodes: Pick<Informer<Node>, "addHandler" | "get" | "list">;
  /** --cluster-cidr */
  readonly clusterCidr: string;
  /** --node-cidr-mask-size; NODE_CIDR_MASK_SIZE_IPV4 by default. */
  readonly nodeCidrMaskSize?: number;
  readonly recorder: EventRecorder;
  readonly clock: Clock;
  readonly log: Logger;
}

export class RangeAllocator {
  readonly #o: RangeAllocatorOptions;
  readonly #log: Logger;
  readonly #set: CidrSet;
  readonly #queue: WorkQueue;
  /** The block each node holds, as this controller knows it (seen on the node or just patched). */
  readonly #held = new Map<string, Cidr4>();

  constructor(options: RangeAllocatorOptions) {
    this.#o = options;
    this.#log = options.log.child({ controller: "nodeipam" });
    this.#set = new CidrSet(
      parseCidr4(options.clusterCidr, "--cluster-cidr"),
      options.nodeCidrMaskSize ?? NODE_CIDR_MASK_SIZE_IPV4,
    );
    this.#queue = new WorkQueue({ clock: options.clock });
    const enqueue = (node: Node) => this.#queue.add(node.metadata.name ?? "");
    options.nodes.addHandler({
      onAdd: enqueue,
      onUpdate: (_old, node) => enqueue(node),
      onDelete: enqueue,
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    // The informer has synced: take every block nodes already carry before handing out new ones.
    for (const node of this.#o.nodes.list()) this.#adopt(node);
    signal.addEventListener("abort", () => this.#queue.shutDown(), { once: true });
    await runWorkers(this.#queue, RANGE_ALLOCATOR_WORKERS, (name) => this.sync(name), this.#log);
  }

  async sync(name: string): Promise<void> {
    const node = this.#o.nodes.get(name);
    if (node === undefined || node.metadata.deletionTimestamp !== undefined) {
      this.#releaseHeld(name);
      return;
    }
    if (this.#adopt(node)) return;
    let cidr = this.#held.get(name);
    if (cidr === undefined) {
      cidr = this.#set.allocateNext();
      if (cidr === undefined) {
        this.#o.recorder.event(
          { kind: "Node", apiVersion: "v1", name, uid: name },
          "Normal",
          REASON_CIDR_NOT_AVAILABLE,
          `Node ${name} status is now: ${REASON_CIDR_NOT_AVAILABLE}`,
        );
        throw new Error(`no remaining CIDRs in ${formatCidr4(this.#set.cluster)} for node ${name}`);
      }
      this.#held.set(name, cidr);
    }
    const text = formatCidr4(cidr);
    try {
      await this.#o.client.patch(
        resourcePath({ resource: "nodes", name }),
        { spec: { podCIDR: text, podCIDRs: [text] } },
        "strategic",
      );
    } catch (err) {
      if (isNotFound(err)) {
        this.#releaseHeld(name);
        return;
      }
      throw err;
    }
    this.#log.info({ node: name, podCIDR: text }, "assigned the node a pod CIDR");
  }

  /** Takes the block a node already carries; true when it has one. */
  #adopt(node: Node): boolean {
    const name = node.metadata.name ?? "";
    const text = node.spec?.podCIDRs?.[0] ?? node.spec?.podCIDR;
    if (text === undefined || text === "") return false;
    let cidr: Cidr4;
    try {
      cidr = parseCidr4(text, `node ${name} spec.podCIDR`);
    } catch {
      this.#log.warn({ node: name, podCIDR: text }, "node has a pod CIDR that is not IPv4; left alone");
      return true;
    }
    const held = this.#held.get(name);
    if (held !== undefined && formatCidr4(held) !== formatCidr4(cidr)) this.#set.release(held);
    if (!this.#set.occupy(cidr)) {
      this.#log.warn({ node: name, podCIDR: text }, "node's pod CIDR lies outside the cluster CIDR");
    }
    this.#held.set(name, cidr);
    return true;
  }

  #releaseHeld(name: string): void {
    const held = this.#held.get(name);
    if (held === undefined) return;
    this.#held.delete(name);
    this.#set.release(held);
    this.#log.info({ node: name, podCIDR: formatCidr4(held) }, "released the pod CIDR of a deleted node");
  }
}
