import { describe, expect, it } from "vitest";
import { EventRing } from "./event-ring.js";
import type { StorageEvent } from "./storage.js";

const ev = (revision: number): StorageEvent => ({
  type: "ADDED",
  key: `/k/${revision}`,
  value: new Uint8Array(),
  revision,
});
const revs = (it: Iterable<StorageEvent>): number[] => [...it].map((e) => e.revision);

describe("EventRing", () => {
  it("serves events after a revision and slides its window when full", () => {
    const ring = new EventRing(3, 10);
    ring.push(ev(11));
    ring.push(ev(13));
    expect(revs(ring.since(10))).toEqual([11, 13]);
    expect(revs(ring.since(11))).toEqual([13]);
    expect(revs(ring.since(12))).toEqual([13]);
    ring.push(ev(14));
    ring.push(ev(20));
    expect(ring.windowStart).toBe(11);
    expect(ring.size).toBe(3);
    expect(revs(ring.since(11))).toEqual([13, 14, 20]);
    expect(revs(ring.since(20))).toEqual([]);
  });

  it("drops history through a compacted revision", () => {
    const ring = new EventRing(10, 0);
    for (const r of [1, 2, 3, 4, 5]) ring.push(ev(r));
    ring.dropThrough(3);
    expect(ring.windowStart).toBe(3);
    expect(revs(ring.since(3))).toEqual([4, 5]);
    ring.dropThrough(2);
    expect(ring.windowStart).toBe(3);
    // Compacted ahead of what the ring has seen: later events at or below the mark are not kept.
    ring.dropThrough(7);
    ring.push(ev(6));
    ring.push(ev(7));
    ring.push(ev(8));
    expect(revs(ring.since(7))).toEqual([8]);
  });

  it("resets, and works with capacity 0 as a window marker only", () => {
    const ring = new EventRing(2, 0);
    ring.push(ev(1));
    ring.reset(50);
    expect(ring.size).toBe(0);
    expect(ring.windowStart).toBe(50);
    const none = new EventRing(0, 5);
    none.push(ev(6));
    expect(none.windowStart).toBe(6);
    expect(revs(none.since(6))).toEqual([]);
  });
});
