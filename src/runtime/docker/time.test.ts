import { describe, expect, it } from "vitest";
import { dockerSince, parseDockerTime } from "./time.js";

describe("parseDockerTime", () => {
  it("keeps every nanosecond", () => {
    expect(parseDockerTime("2026-11-22T03:56:08.334014018Z")).toBe(1795319768334014018n);
    expect(parseDockerTime("1970-01-01T00:00:01.5Z")).toBe(1_500_000_000n);
    expect(parseDockerTime("1970-01-01T00:00:01Z")).toBe(1_000_000_000n);
  });

  it("applies a zone offset", () => {
    expect(parseDockerTime("1970-01-01T01:00:01.000000001+01:00")).toBe(1_000_000_001n);
    expect(parseDockerTime("1969-12-31T23:00:00-01:00")).toBe(0n);
  });

  it("maps Go's zero time and garbage to 0", () => {
    expect(parseDockerTime("0001-01-01T00:00:00Z")).toBe(0n);
    expect(parseDockerTime("")).toBe(0n);
    expect(parseDockerTime(undefined)).toBe(0n);
    expect(parseDockerTime("yesterday")).toBe(0n);
  });
});

describe("dockerSince", () => {
  it("writes seconds and nanoseconds", () => {
    expect(dockerSince(1_500_000_007n)).toBe("1.500000007");
    expect(dockerSince(0n)).toBe("0");
  });
});
