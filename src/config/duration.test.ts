import { describe, expect, it } from "vitest";
import { ErrorCode, hasCode } from "../common/errors.js";
import { formatGoDuration, parseGoDuration } from "./duration.js";

describe("parseGoDuration", () => {
  it.each([
    ["10s", 10_000],
    ["1m", 60_000],
    ["5m0s", 300_000],
    ["1h30m", 5_400_000],
    ["1.5h", 5_400_000],
    ["250ms", 250],
    ["1500us", 2],
    ["1000000ns", 1],
    ["2µs", 0],
    [".5s", 500],
    ["0", 0],
    ["-1m", -60_000],
    ["+2s", 2_000],
  ])("%s is %d ms", (text, ms) => {
    expect(parseGoDuration(text)).toBe(ms);
  });

  it.each(["", "10", "1d", "s", "10 s", "1m-2s", "-", "1e3s", "abc"])("refuses %j", (text) => {
    expect(() => parseGoDuration(text)).toThrow(/bad duration/);
    try {
      parseGoDuration(text);
    } catch (err) {
      expect(hasCode(err, ErrorCode.Config)).toBe(true);
    }
  });

  it("names a missing unit", () => {
    expect(() => parseGoDuration("10")).toThrow(/missing or unknown unit/);
  });
});

describe("formatGoDuration", () => {
  it.each([
    [0, "0s"],
    [250, "250ms"],
    [10_000, "10s"],
    [300_000, "5m0s"],
    [5_400_000, "1h30m0s"],
    [1_500, "1.5s"],
    [-60_000, "-1m0s"],
  ])("%d ms is %s", (ms, text) => {
    expect(formatGoDuration(ms)).toBe(text);
  });

  it("round-trips through the parser", () => {
    for (const ms of [1, 999, 1_000, 61_001, 3_600_000, 86_400_000]) {
      expect(parseGoDuration(formatGoDuration(ms))).toBe(ms);
    }
  });
});
