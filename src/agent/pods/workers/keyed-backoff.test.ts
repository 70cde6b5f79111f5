import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../common/index.js";
import { KeyedBackoff } from "./keyed-backoff.js";

describe("KeyedBackoff", () => {
  it("doubles from the initial delay to the maximum, counted from the event time", async () => {
    const clock = new ManualClock();
    const b = new KeyedBackoff({ initialMs: 10_000, maxMs: 300_000, clock });
    const t0 = clock.now();
    expect(b.remaining("k", t0)).toBe(0);
    expect(b.next("k", t0)).toBe(10_000);
    expect(b.remaining("k", t0)).toBe(10_000);
    await clock.advance(4_000);
    expect(b.remaining("k", t0)).toBe(6_000);
    const delays = [20_000, 40_000, 80_000, 160_000, 300_000, 300_000];
    for (const d of delays) expect(b.next("k", clock.now())).toBe(d);
    expect(b.remaining("other", t0)).toBe(0);
  });

  it("starts over after twice the maximum without failures", async () => {
    const clock = new ManualClock();
    const b = new KeyedBackoff({ initialMs: 10_000, maxMs: 300_000, clock });
    b.next("k", clock.now());
    b.next("k", clock.now());
    expect(b.delay("k")).toBe(20_000);
    await clock.advance(600_001);
    expect(b.remaining("k", clock.now())).toBe(0);
    expect(b.next("k", clock.now())).toBe(10_000);
    await clock.advance(600_001);
    b.gc();
    expect(b.size).toBe(0);
  });

  it("keeps a container that crashes every 7 minutes at the maximum (expiry from the restart, to the new finish)", async () => {
    const clock = new ManualClock();
    const b = new KeyedBackoff({ initialMs: 10_000, maxMs: 300_000, clock });
    for (let i = 0; i < 6; i++) b.next("k", clock.now());
    expect(b.delay("k")).toBe(300_000);
    for (let crash = 0; crash < 3; crash++) {
      // restarted now, runs 7 minutes, exits
      await clock.advance(420_000);
      const finished = clock.now();
      expect(b.remaining("k", finished)).toBe(300_000);
      await clock.advance(300_000);
      expect(b.remaining("k", finished)).toBe(0);
      expect(b.next("k", finished)).toBe(300_000);
    }
    // one that ran for more than 10 minutes since its restart starts over
    await clock.advance(600_001);
    expect(b.remaining("k", clock.now())).toBe(0);
    expect(b.next("k", clock.now())).toBe(10_000);
  });

  it("measures image pulls from the last update and forgets keys on request", () => {
    const clock = new ManualClock();
    const b = new KeyedBackoff({ initialMs: 10_000, maxMs: 300_000, clock });
    b.next("pod1/img", clock.now());
    b.next("pod2/img", clock.now());
    expect(b.remainingSinceUpdate("pod1/img")).toBe(10_000);
    b.retain((k) => k.startsWith("pod2/"));
    expect(b.remainingSinceUpdate("pod1/img")).toBe(0);
    b.reset("pod2/img");
    expect(b.size).toBe(0);
    expect(() => new KeyedBackoff({ initialMs: 0, maxMs: 1, clock })).toThrow(/initialMs/);
  });
});
