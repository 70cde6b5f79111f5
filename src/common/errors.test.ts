import { describe, expect, it } from "vitest";
import { BerthError, ErrorCode, isConflict, isNotFound } from "./errors.js";

describe("BerthError", () => {
  it("carries a stable code and the original cause", () => {
    const root = new Error("socket closed");
    const err = new BerthError(ErrorCode.NotFound, 'pods "x" not found', { cause: root });
    expect(isNotFound(err)).toBe(true);
    expect(isConflict(err)).toBe(false);
    expect(err.cause).toBe(root);
    expect(err.causes).toEqual([]);
  });

  it("is not matched from a plain Error with the same words", () => {
    expect(isNotFound(new Error("NotFound"))).toBe(false);
  });
});
