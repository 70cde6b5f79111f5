import { describe, expect, it } from "vitest";
import { closestName } from "./suggest.js";

const known = ["maxPods", "cgroupDriver", "cgroupRoot", "evictionHard", "port"];

describe("closestName", () => {
  it("finds a one-letter slip", () => {
    expect(closestName("maxPod", known)).toBe("maxPods");
    expect(closestName("cgroupDiver", known)).toBe("cgroupDriver");
  });
  it("ignores case", () => {
    expect(closestName("MaxPods", known)).toBe("maxPods");
    expect(closestName("evictionhard", known)).toBe("evictionHard");
  });
  it("offers nothing for an unrelated name", () => {
    expect(closestName("featureGates", known)).toBeUndefined();
    expect(closestName("x", known)).toBeUndefined();
  });
});
