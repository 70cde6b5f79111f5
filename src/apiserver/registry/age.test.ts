import { describe, expect, it } from "vitest";
import { age, humanDuration } from "./age.js";

describe("humanDuration", () => {
  it.each([
    [-5_000, "<invalid>"],
    [-500, "0s"],
    [45_000, "45s"],
    [119_000, "119s"],
    [200_000, "3m20s"],
    [300_000, "5m"],
    [45 * 60_000, "45m"],
    [5 * 3600_000 + 2 * 60_000, "5h2m"],
    [20 * 3600_000, "20h"],
    [(3 * 24 + 4) * 3600_000, "3d4h"],
    [100 * 24 * 3600_000, "100d"],
    [(2 * 365 + 15) * 24 * 3600_000, "2y15d"],
    [10 * 365 * 24 * 3600_000, "10y"],
  ])("%d ms is %s", (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });

  it("says <unknown> for a missing timestamp", () => {
    expect(age(undefined, new Date())).toBe("<unknown>");
    expect(age("2026-01-01T00:00:00Z", new Date("2026-01-01T00:01:00Z"))).toBe("60s");
  });
});
