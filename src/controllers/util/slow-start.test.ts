import { describe, expect, it } from "vitest";
import { slowStartBatch } from "./slow-start.js";

describe("slowStartBatch", () => {
  it("runs batches of 1, 2, 4, ... and stops after the batch with the first failure", async () => {
    let calls = 0;
    const r = await slowStartBatch(100, 1, async () => {
      calls++;
      if (calls === 5) throw new Error("quota");
    });
    // batches 1 + 2 succeed, the batch of 4 holds the failure: 7 calls, 6 successes
    expect(calls).toBe(7);
    expect(r.successes).toBe(6);
    expect(String(r.error)).toContain("quota");
    const all = await slowStartBatch(10, 1, async () => undefined);
    expect(all).toEqual({ successes: 10 });
  });
});
