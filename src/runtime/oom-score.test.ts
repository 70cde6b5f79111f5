import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import {
  CAP_SYS_RESOURCE,
  capabilityMask,
  clampOomScoreAdj,
  detectOomScorePolicy,
  hasCapability,
  oomScorePolicyFrom,
} from "./oom-score.js";

// CapEff/CapBnd as on the build machine: everything but bit 24 (CAP_SYS_RESOURCE).
const WITHOUT =
  "Name:\tnode\nCapInh:\t0000000000000000\nCapEff:\t000001fffeffffff\nCapBnd:\t000001fffeffffff\n";
const WITH = "CapEff:\t000001ffffffffff\nCapBnd:\t000001ffffffffff\n";

describe("oom score policy", () => {
  it("reads capability masks", () => {
    expect(capabilityMask(WITHOUT, "CapEff")).toBe(0x1fffeffffffn);
    expect(capabilityMask(WITHOUT, "CapAmb")).toBeUndefined();
  });

  it("detects CAP_SYS_RESOURCE in both the effective and the bounding set", () => {
    expect(hasCapability(WITHOUT, CAP_SYS_RESOURCE)).toBe(false);
    expect(hasCapability(WITH, CAP_SYS_RESOURCE)).toBe(true);
    expect(hasCapability("CapEff:\t000001ffffffffff\nCapBnd:\t000001fffeffffff\n", CAP_SYS_RESOURCE)).toBe(
      false,
    );
    expect(hasCapability("", CAP_SYS_RESOURCE)).toBe(false);
  });

  it("clamps scores below the agent's own when it cannot lower them", () => {
    const policy = oomScorePolicyFrom(WITHOUT, "0\n");
    expect(policy).toEqual({ canLower: false, ownScore: 0 });
    expect(clampOomScoreAdj(-998, policy)).toBe(0);
    expect(clampOomScoreAdj(-1, policy)).toBe(0);
    expect(clampOomScoreAdj(1000, policy)).toBe(1000);
    expect(clampOomScoreAdj(500, oomScorePolicyFrom(WITHOUT, "100"))).toBe(500);
    expect(clampOomScoreAdj(-5, oomScorePolicyFrom(WITHOUT, "100"))).toBe(100);
  });

  it("passes negative scores through when it can, within the kernel's range", () => {
    const policy = oomScorePolicyFrom(WITH, "-999");
    expect(clampOomScoreAdj(-998, policy)).toBe(-998);
    expect(clampOomScoreAdj(-5000, policy)).toBe(-1000);
    expect(clampOomScoreAdj(5000, policy)).toBe(1000);
  });

  it("detects from a proc directory once, logging the clamp once", async () => {
    const dir = await mkdtemp(join(tmpdir(), "berth-oom-"));
    try {
      await writeFile(join(dir, "status"), WITHOUT);
      await writeFile(join(dir, "oom_score_adj"), "-5\n");
      const lines: string[] = [];
      const sink = new Writable({
        write(chunk: Buffer, _enc, done) {
          lines.push(chunk.toString());
          done();
        },
      });
      const logger = pino({ level: "info" }, sink);
      const first = detectOomScorePolicy(logger, dir);
      const second = detectOomScorePolicy(logger, dir);
      expect(first).toEqual({ canLower: false, ownScore: -5 });
      expect(second).toBe(first);
      expect(lines.filter((l) => l.includes("clamped"))).toHaveLength(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
