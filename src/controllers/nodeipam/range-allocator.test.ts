import { describe, expect, it } from "vitest";
import type { ReflectorHandler } from "../../api/index.js";
import { MemoryEventRecorder } from "../../agent/events/index.js";
import { ManualClock } from "../../common/clock.js";
import { createLogger } from "../../common/log.js";
import type { Node } from "../util/index.js";
import { RangeAllocator } from "./range-allocator.js";

/** An informer over a map the test edits, and a client that applies node patches to it. */
class Nodes {
  readonly store = new Map<string, Node>();
  readonly patches: { path: string; body: unknown }[] = [];
  #patched: () => void = () => undefined;
  /** Resolves at the next patch. */
  nextPatch(): Promise<void> {
    return new Promise((resolve) => (this.#patched = resolve));
  }
  #handler: ReflectorHandler<Node> = {};

  addHandler(h: ReflectorHandler<Node>): void {
    this.#handler = h;
  }
  get(key: string): Node | undefined {
    return this.store.get(key);
  }
  list(): Node[] {
    return [...this.store.values()];
  }
  add(name: string, podCIDR?: string): void {
    const node: Node = {
      apiVersion: "v1",
      kind: "Node",
      metadata: { name },
      spec: podCIDR === undefined ? {} : { podCIDR, podCIDRs: [podCIDR] },
    };
    this.store.set(name, node);
    this.#handler.onAdd?.(node);
  }
  remove(name: string): void {
    const node = this.store.get(name);
    this.store.delete(name);
    if (node !== undefined) this.#handler.onDelete?.(node);
  }
  readonly client = {
    patch: async <T>(path: string, body: unknown): Promise<T> => {
      this.patches.push({ path, body });
      const name = path.split("/").pop() ?? "";
      const node = this.store.get(name);
      if (node !== undefined) {
        const spec = (body as { spec: Node["spec"] }).spec;
        this.store.set(name, { ...node, spec: { ...node.spec, ...spec } });
      }
      this.#patched();
      return Promise.resolve(node as T);
    },
  };
}

function allocator(nodes: Nodes, clusterCidr: string, recorder = new MemoryEventRecorder()) {
  return new RangeAllocator({
    client: nodes.client,
    nodes,
    clusterCidr,
    recorder,
    clock: new ManualClock(0),
    log: createLogger({ name: "test", level: "silent" }),
  });
}

const cidrOf = (nodes: Nodes, name: string) => nodes.get(name)?.spec?.podCIDR;

describe("RangeAllocator", () => {
  it("keeps the ranges nodes already carry and gives a new node the next free /24", async () => {
    const nodes = new Nodes();
    nodes.store.set("old", {
      apiVersion: "v1",
      kind: "Node",
      metadata: { name: "old" },
      spec: { podCIDR: "10.244.0.0/24", podCIDRs: ["10.244.0.0/24"] },
    });
    const ipam = allocator(nodes, "10.244.0.0/16");
    const stop = new AbortController();
    const running = ipam.run(stop.signal);
    const patched = nodes.nextPatch();
    nodes.add("new");
    await patched;
    expect(cidrOf(nodes, "new")).toBe("10.244.1.0/24");
    expect(nodes.patches).toEqual([
      {
        path: "/api/v1/nodes/new",
        body: { spec: { podCIDR: "10.244.1.0/24", podCIDRs: ["10.244.1.0/24"] } },
      },
    ]);
    stop.abort();
    await running;
    // The node's own range was taken, never patched again.
    expect(nodes.patches).toHaveLength(1);
  });

  it("frees a deleted node's range for the next node, and records CIDRNotAvailable when the pool is empty", async () => {
    const nodes = new Nodes();
    const recorder = new MemoryEventRecorder();
    const ipam = allocator(nodes, "10.0.0.0/23", recorder);
    for (const name of ["a", "b"]) {
      nodes.add(name);
      await ipam.sync(name);
    }
    expect([cidrOf(nodes, "a"), cidrOf(nodes, "b")]).toEqual(["10.0.0.0/24", "10.0.1.0/24"]);
    nodes.add("c");
    await expect(ipam.sync("c")).rejects.toThrow(/no remaining CIDRs in 10.0.0.0\/23/);
    expect(recorder.events.map((e) => [e.reason, e.message])).toEqual([
      ["CIDRNotAvailable", "Node c status is now: CIDRNotAvailable"],
    ]);
    nodes.remove("a");
    await ipam.sync("a");
    await ipam.sync("c");
    expect(cidrOf(nodes, "c")).toBe("10.0.0.0/24");
  });
});
