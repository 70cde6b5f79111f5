import { describe, expect, it } from "vitest";
import { COMBINED_EVENT_PREFIX, EventAggregator } from "./aggregator.js";

describe("EventAggregator", () => {
  it("passes nine distinct messages, then combines from the tenth on", () => {
    const a = new EventAggregator();
    const results = Array.from({ length: 12 }, (_, i) =>
      a.aggregate("pod/Unhealthy", `failed ${i}`, i * 1_000),
    );
    expect(results.slice(0, 9).every((r) => !r.combined)).toBe(true);
    expect(results.slice(9)).toEqual([
      { message: `${COMBINED_EVENT_PREFIX}failed 9`, combined: true },
      { message: `${COMBINED_EVENT_PREFIX}failed 10`, combined: true },
      { message: `${COMBINED_EVENT_PREFIX}failed 11`, combined: true },
    ]);
  });

  it("never combines one repeated message, nor different groups", () => {
    const a = new EventAggregator();
    for (let i = 0; i < 20; i++) expect(a.aggregate("pod/Unhealthy", "same", i).combined).toBe(false);
    for (let i = 0; i < 9; i++) a.aggregate("pod/Unhealthy", `m${i}`, 100);
    expect(a.aggregate("pod/Killing", "other", 100).combined).toBe(false);
  });

  it("starts a group over after ten minutes of silence", () => {
    const a = new EventAggregator();
    for (let i = 0; i < 10; i++) a.aggregate("k", `m${i}`, 0);
    expect(a.aggregate("k", "m10", 600_000).combined).toBe(true);
    expect(a.aggregate("k", "m11", 1_200_001)).toEqual({ message: "m11", combined: false });
  });

  it("refuses nonsense limits", () => {
    expect(() => new EventAggregator(0)).toThrow(RangeError);
    expect(() => new EventAggregator(10, 0)).toThrow(RangeError);
  });
});
