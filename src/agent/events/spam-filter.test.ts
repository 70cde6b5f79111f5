import { describe, expect, it } from "vitest";
import { LruMap } from "./lru.js";
import { SpamFilter } from "./spam-filter.js";

describe("SpamFilter", () => {
  it("lets a burst of 25 through per object, then one per 5 minutes", () => {
    const f = new SpamFilter();
    const t0 = 1_000_000;
    let allowed = 0;
    for (let i = 0; i < 40; i++) if (f.allow("pod-a", t0)) allowed++;
    expect(allowed).toBe(25);
    expect(f.allow("pod-b", t0)).toBe(true);
    expect(f.allow("pod-a", t0 + 299_000)).toBe(false);
    expect(f.allow("pod-a", t0 + 300_000)).toBe(true);
    expect(f.allow("pod-a", t0 + 300_001)).toBe(false);
  });

  it("refuses nonsense limits", () => {
    expect(() => new SpamFilter(0)).toThrow(RangeError);
    expect(() => new SpamFilter(1, 0)).toThrow(RangeError);
  });
});

describe("LruMap", () => {
  it("drops the least recently used entry beyond its capacity", () => {
    const m = new LruMap<string, number>(2);
    m.set("a", 1);
    m.set("b", 2);
    expect(m.get("a")).toBe(1);
    m.set("c", 3);
    expect(m.get("b")).toBeUndefined();
    expect(m.get("a")).toBe(1);
    expect(m.size).toBe(2);
  });
});
