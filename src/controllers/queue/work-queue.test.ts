import { describe, expect, it } from "vitest";
import { ManualClock } from "../../common/clock.js";
import { ItemRateLimiter } from "./rate-limiter.js";
import { WorkQueue } from "./work-queue.js";

describe("WorkQueue", () => {
  it("hands out a key once however often it was added, and never to two workers at once", async () => {
    const q = new WorkQueue({ clock: new ManualClock() });
    q.add("a");
    q.add("a");
    q.add("b");
    expect(await q.get()).toBe("a");
    q.add("a"); // while "a" is processed: queued again only after done()
    expect(await q.get()).toBe("b");
    const next = q.get();
    let got: string | undefined;
    void next.then((k) => (got = k));
    await Promise.resolve();
    expect(got).toBeUndefined();
    q.done("a");
    expect(await next).toBe("a");
  });

  it("delays addAfter and rate-limited adds on its clock", async () => {
    const clock = new ManualClock();
    const q = new WorkQueue({ clock, limiter: new ItemRateLimiter(100, 1000) });
    q.addRateLimited("x");
    expect(q.length).toBe(0);
    await clock.advance(99);
    expect(q.length).toBe(0);
    await clock.advance(1);
    expect(q.length).toBe(1);
    q.shutDown();
    expect(await q.get()).toBe("x");
    expect(await q.get()).toBeUndefined();
  });
});

describe("ItemRateLimiter", () => {
  it("doubles per failure up to the cap, and forgets", () => {
    const l = new ItemRateLimiter(5, 40);
    expect([l.when("k"), l.when("k"), l.when("k"), l.when("k"), l.when("k")]).toEqual([5, 10, 20, 40, 40]);
    l.forget("k");
    expect(l.when("k")).toBe(5);
  });
});
