import { describe, expect, it } from "vitest";
import { BerthError, ErrorCode } from "./errors.js";
import { canonicalQuantity, parseQuantity, Quantity, QUANTITY_FORMAT_MESSAGE } from "./quantity.js";

function errorOf(fn: () => unknown): BerthError {
  try {
    fn();
  } catch (err) {
    if (err instanceof BerthError) return err;
    throw err;
  }
  throw new Error("expected a BerthError");
}

describe("parseQuantity", () => {
  it.each([
    ["250m", 250n, 1n],
    ["1", 1000n, 1n],
    ["0.5", 500n, 1n],
    ["1.5", 1500n, 2n],
    ["64Mi", 64n * 1024n * 1024n * 1000n, 64n * 1024n * 1024n],
    ["1G", 10n ** 12n, 10n ** 9n],
    ["1e3", 10n ** 6n, 1000n],
    ["100k", 10n ** 8n, 100000n],
    ["1Ki", 1024000n, 1024n],
    ["-2", -2000n, -2n],
    ["+3", 3000n, 3n],
    ["1E", 10n ** 21n, 10n ** 18n],
    ["1E3", 10n ** 6n, 1000n],
    [".5", 500n, 1n],
    ["5.", 5000n, 5n],
  ])("%s has milliValue %d and value %d", (text, milli, value) => {
    const q = parseQuantity(text);
    expect(q.milliValue()).toBe(milli);
    expect(q.value()).toBe(value);
  });

  it("has no float drift", () => {
    expect(parseQuantity("0.1").add(parseQuantity("0.2")).equals(parseQuantity("0.3"))).toBe(true);
    expect(parseQuantity("0.3").milliValue()).toBe(300n);
  });

  it("rounds values finer than 1n up, away from zero", () => {
    expect(parseQuantity("0.0000000001").toString()).toBe("1n");
    expect(parseQuantity("-0.0000000001").toString()).toBe("-1n");
    expect(parseQuantity("1.5n").toString()).toBe("2n");
  });

  it("rounds value() and milliValue() up", () => {
    expect(parseQuantity("1001m").value()).toBe(2n);
    expect(parseQuantity("1u").milliValue()).toBe(1n);
    expect(parseQuantity("0").value()).toBe(0n);
  });

  it("accepts JSON numbers", () => {
    expect(parseQuantity(2).toString()).toBe("2");
    expect(parseQuantity(0.25).toString()).toBe("250m");
  });

  it.each(["", "abc", "1.2.3", " 1", "1 ", "Mi", ".", "-", "1Mi2i", "1KB"])(
    "rejects %j with upstream's format message",
    (text) => {
      const err = errorOf(() => parseQuantity(text));
      expect(err.code).toBe(ErrorCode.BadRequest);
      expect(err.message).toBe(QUANTITY_FORMAT_MESSAGE);
    },
  );

  it.each(["1i", "1k3", "1mi", "1e"])("rejects the unknown suffix of %j", (text) => {
    const err = errorOf(() => parseQuantity(text));
    expect(err.code).toBe(ErrorCode.BadRequest);
    expect(err.message).toBe("unable to parse quantity's suffix");
  });

  it("refuses absurd exponents", () => {
    expect(errorOf(() => parseQuantity("1e99999")).message).toBe("unable to parse numeric part of quantity");
  });
});

describe("canonical form", () => {
  it.each([
    ["250m", "250m"],
    ["1", "1"],
    ["0.5", "500m"],
    ["1.5", "1500m"],
    ["1000m", "1"],
    ["1000", "1k"],
    ["1500", "1500"],
    ["100k", "100k"],
    ["1G", "1G"],
    ["1000M", "1G"],
    ["1000E", "1000E"],
    ["64Mi", "64Mi"],
    ["1024Ki", "1Mi"],
    ["1.5Gi", "1536Mi"],
    ["0.5Gi", "512Mi"],
    ["0.5Ki", "512"],
    ["1025", "1025"],
    ["1Ki", "1Ki"],
    ["0.1Ki", "102400m"],
    ["1e3", "1e3"],
    ["1e6", "1e6"],
    ["1500e0", "1500"],
    ["12e2", "1200"],
    ["1e-3", "1e-3"],
    ["0", "0"],
    ["-0", "0"],
    ["0Mi", "0"],
    ["-1Gi", "-1Gi"],
    ["+5m", "5m"],
    ["0.001", "1m"],
    ["0.000001", "1u"],
  ])("%s -> %s", (text, canonical) => {
    expect(canonicalQuantity(text)).toBe(canonical);
  });

  it("serialises to JSON as the canonical string", () => {
    expect(JSON.stringify({ cpu: parseQuantity("0.5") })).toBe('{"cpu":"500m"}');
  });

  it("builds from milli and unit counts", () => {
    expect(Quantity.fromMilli(250).toString()).toBe("250m");
    expect(Quantity.fromValue(2n * 1024n ** 3n, "BinarySI").toString()).toBe("2Gi");
  });

  it("compares across formats", () => {
    expect(parseQuantity("1Ki").cmp(parseQuantity("1k"))).toBe(1);
    expect(parseQuantity("1k").cmp(parseQuantity("1e3"))).toBe(0);
    expect(parseQuantity("-1").sign()).toBe(-1);
  });
});
