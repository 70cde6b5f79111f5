import { describe, expect, it } from "vitest";
import { ErrorCode, hasCode } from "../../common/errors.js";
import { CidrSet, formatCidr4, parseCidr4 } from "./cidr-set.js";

const cluster = (text: string) => parseCidr4(text, "--cluster-cidr");

function isConfigError(fn: () => unknown): boolean {
  try {
    fn();
    return false;
  } catch (err) {
    return hasCode(err, ErrorCode.Config);
  }
}

describe("CidrSet", () => {
  it("hands out /24 blocks of a /16 in order and wraps after a release", () => {
    const set = new CidrSet(cluster("10.244.0.0/16"), 24);
    expect(set.size).toBe(256);
    expect(formatCidr4(set.allocateNext()!)).toBe("10.244.0.0/24");
    expect(formatCidr4(set.allocateNext()!)).toBe("10.244.1.0/24");
    set.release(cluster("10.244.0.0/24"));
    expect(set.allocated).toBe(1);
    // The search goes on after the last block handed out, as upstream's nextCandidate.
    expect(formatCidr4(set.allocateNext()!)).toBe("10.244.2.0/24");
  });

  it("skips blocks that existing nodes occupy and says when it is full", () => {
    const set = new CidrSet(cluster("10.0.0.0/30"), 31);
    expect(set.occupy(cluster("10.0.0.0/31"))).toBe(true);
    expect(formatCidr4(set.allocateNext()!)).toBe("10.0.0.2/31");
    expect(set.allocateNext()).toBeUndefined();
    expect(set.occupy(cluster("192.168.0.0/31"))).toBe(false);
  });

  it("normalizes a CIDR with host bits set and rejects what is not an IPv4 CIDR", () => {
    expect(formatCidr4(cluster("10.244.7.9/16"))).toBe("10.244.0.0/16");
    expect(() => cluster("fd00::/48")).toThrow(/not an IPv4 CIDR/);
    expect(() => cluster("10.0.0.300/8")).toThrow(/not an IPv4 CIDR/);
  });

  it("rejects a node mask shorter than the cluster's or more than 16 bits longer", () => {
    expect(isConfigError(() => new CidrSet(cluster("10.244.0.0/24"), 16))).toBe(true);
    expect(isConfigError(() => new CidrSet(cluster("10.0.0.0/8"), 25))).toBe(true);
  });
});
