import { describe, expect, it } from "vitest";
import { ManualClock, systemClock } from "./clock.js";

describe("ManualClock", () => {
  it("moves only when advanced", async () => {
    const clock = new ManualClock(1_000);
    expect(clock.now()).toBe(1_000);
    expect(clock.nowNanos()).toBe(1_000_000_000n);
    await clock.advance(250);
    expect(clock.now()).toBe(1_250);
  });

  it("wakes sleepers in deadline order, including ones that sleep again inside the window", async () => {
    const clock = new ManualClock(0);
    const woke: string[] = [];
    void clock.sleep(300).then(() => woke.push(`b@${clock.now()}`));
    void clock.sleep(100).then(async () => {
      woke.push(`a@${clock.now()}`);
      await clock.sleep(100);
      woke.push(`a2@${clock.now()}`);
    });
    await clock.advance(99);
    expect(woke).toEqual([]);
    await clock.advance(300);
    expect(woke).toEqual(["a@100", "a2@200", "b@300"]);
    expect(clock.pending).toBe(0);
  });

  it("never wakes an infinite sleep; an abort rejects it and removes it", async () => {
    const clock = new ManualClock(0);
    const ac = new AbortController();
    const sleeping = clock.sleep(Number.POSITIVE_INFINITY, ac.signal);
    await clock.advance(1e12);
    expect(clock.pending).toBe(1);
    ac.abort(new Error("stop"));
    await expect(sleeping).rejects.toThrow("stop");
    expect(clock.pending).toBe(0);
  });

  it("rejects at once for an aborted signal and refuses to go backwards", async () => {
    const clock = new ManualClock(0);
    await expect(clock.sleep(10, AbortSignal.abort(new Error("gone")))).rejects.toThrow("gone");
    await expect(clock.advance(-1)).rejects.toThrow(RangeError);
  });
});

describe("systemClock", () => {
  it("reports wall time in ms and ns consistently", () => {
    const ms = systemClock.now();
    const ns = systemClock.nowNanos();
    expect(Number(ns / 1_000_000n) - ms).toBeLessThan(1_000);
    expect(Number(ns / 1_000_000n) - ms).toBeGreaterThan(-1_000);
  });

  it("an aborted sleep rejects without waiting", async () => {
    const ac = new AbortController();
    const sleeping = systemClock.sleep(Number.POSITIVE_INFINITY, ac.signal);
    ac.abort(new Error("cancelled"));
    await expect(sleeping).rejects.toThrow("cancelled");
  });
});
