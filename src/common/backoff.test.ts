import { describe, expect, it } from "vitest";
import { Backoff } from "./backoff.js";
import { ManualClock } from "./clock.js";

describe("Backoff", () => {
  it("doubles up to the cap without jitter and restarts on reset", () => {
    const b = new Backoff({ initialMs: 100, maxMs: 1000, jitter: 0, clock: new ManualClock() });
    expect([b.next(), b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
    expect(b.failures).toBe(6);
    b.reset();
    expect(b.failures).toBe(0);
    expect(b.next()).toBe(100);
  });

  it("adds up to jitter * delay of random extra", () => {
    const b = new Backoff({
      initialMs: 100,
      maxMs: 1000,
      jitter: 0.5,
      random: () => 0.5,
      clock: new ManualClock(),
    });
    expect([b.next(), b.next()]).toEqual([125, 250]);
    const top = new Backoff({
      initialMs: 100,
      maxMs: 100,
      jitter: 1,
      random: () => 0.999,
      clock: new ManualClock(),
    });
    expect(top.next()).toBe(200);
  });

  it("starts over after resetAfterMs of quiet", async () => {
    const clock = new ManualClock();
    const b = new Backoff({ initialMs: 100, maxMs: 10_000, jitter: 0, resetAfterMs: 5000, clock });
    expect([b.next(), b.next(), b.next()]).toEqual([100, 200, 400]);
    await clock.advance(5000);
    expect(b.next()).toBe(800);
    await clock.advance(5001);
    expect(b.next()).toBe(100);
  });

  it("waits on the injected clock", async () => {
    const clock = new ManualClock();
    const b = new Backoff({ initialMs: 100, maxMs: 1000, jitter: 0, clock });
    let done = false;
    const waiting = b.wait().then(() => (done = true));
    await clock.advance(99);
    expect(done).toBe(false);
    await clock.advance(1);
    await waiting;
    expect(done).toBe(true);
  });

  it("rejects bad options with Config errors", () => {
    expect(() => new Backoff({ initialMs: 0, maxMs: 1 })).toThrow(
      expect.objectContaining({ code: "Config" }),
    );
    expect(() => new Backoff({ initialMs: 10, maxMs: 5 })).toThrow(/maxMs/);
    expect(() => new Backoff({ initialMs: 10, maxMs: 50, factor: 0.5 })).toThrow(/factor/);
    expect(() => new Backoff({ initialMs: 10, maxMs: 50, jitter: -1 })).toThrow(/jitter/);
  });
});
