import { describe, expect, it } from "vitest";
import { ManualClock } from "../../common/clock.js";
import { EXPECTATIONS_TIMEOUT_MS, Expectations } from "./expectations.js";

describe("Expectations", () => {
  it("holds a key until its creations and deletions are observed, or they expire", async () => {
    const clock = new ManualClock();
    const e = new Expectations(clock);
    expect(e.satisfied("ns/rs")).toBe(true);
    e.expectCreations("ns/rs", 2);
    e.creationObserved("ns/rs");
    expect(e.satisfied("ns/rs")).toBe(false);
    e.creationSkipped("ns/rs");
    expect(e.satisfied("ns/rs")).toBe(true);
    e.expectDeletions("ns/rs", ["u1", "u2"]);
    e.deletionObserved("ns/rs", "u1");
    e.deletionObserved("ns/rs", "u1"); // the same pod twice counts once
    expect(e.satisfied("ns/rs")).toBe(false);
    await clock.advance(EXPECTATIONS_TIMEOUT_MS + 1);
    expect(e.satisfied("ns/rs")).toBe(true);
  });
});
