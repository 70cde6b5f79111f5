import type { StorageEvent } from "./storage.js";

/**
 * A fixed-capacity ring of the newest events, in revision order. `windowStart` is the revision
 * after which the ring holds every event: a watch from any revision at or above it can be served
 * from memory; below it, history is gone (Expired).
 */
export class EventRing {
  private readonly slots: (StorageEvent | undefined)[];
  private start = 0;
  private count = 0;
  windowStart: number;

  constructor(
    readonly capacity: number,
    windowStart: number,
  ) {
    this.slots = new Array<StorageEvent | undefined>(capacity);
    this.windowStart = windowStart;
  }

  get size(): number {
    return this.count;
  }

  /** Appends an event; one at or below windowStart (history already given up) is not kept. */
  push(event: StorageEvent): void {
    if (event.revision <= this.windowStart) return;
    if (this.capacity === 0) {
      this.windowStart = event.revision;
      return;
    }
    if (this.count === this.capacity) {
      const evicted = this.slots[this.start] as StorageEvent;
      this.windowStart = evicted.revision;
      this.slots[this.start] = event;
      this.start = (this.start + 1) % this.capacity;
      return;
    }
    this.slots[(this.start + this.count) % this.capacity] = event;
    this.count++;
  }

  /** Forgets every event at or below revision (after a compaction). */
  dropThrough(revision: number): void {
    while (this.count > 0 && (this.at(0) as StorageEvent).revision <= revision) {
      this.slots[this.start] = undefined;
      this.start = (this.start + 1) % this.capacity;
      this.count--;
    }
    this.windowStart = Math.max(this.windowStart, revision);
  }

  /** Empties the ring; it then holds everything after `windowStart`. */
  reset(windowStart: number): void {
    this.slots.fill(undefined);
    this.start = 0;
    this.count = 0;
    this.windowStart = windowStart;
  }

  /** Events with revision > after, oldest first. The caller checks after >= windowStart. */
  *since(after: number): Generator<StorageEvent> {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.at(mid) as StorageEvent).revision <= after) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.count; i++) yield this.at(i) as StorageEvent;
  }

  private at(i: number): StorageEvent | undefined {
    return this.slots[(this.start + i) % this.capacity];
  }
}
