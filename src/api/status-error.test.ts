import { describe, expect, it } from "vitest";
import { isStatus, statusError } from "./status-error.js";

describe("statusError", () => {
  it("lets the Status reason decide over the HTTP code", () => {
    const s = {
      kind: "Status",
      code: 409,
      reason: "AlreadyExists",
      message: 'pods "a" already exists',
    } as const;
    expect(statusError(409, s, "POST /x")).toMatchObject({
      code: "AlreadyExists",
      message: 'POST /x: pods "a" already exists',
      details: { httpStatus: 409, status: s },
    });
    expect(statusError(409, { kind: "Status", code: 409, reason: "Conflict" }, "PUT /x").code).toBe(
      "Conflict",
    );
    expect(statusError(410, { kind: "Status", reason: "Gone" }, "GET /x").code).toBe("Expired");
  });

  it("falls back to the Status code, then the HTTP code, for unknown reasons", () => {
    expect(statusError(500, { kind: "Status", code: 422, reason: "Weird" }, "x").code).toBe("Invalid");
    expect(statusError(403, { kind: "Status" }, "x")).toMatchObject({
      code: "Forbidden",
      message: "x: HTTP 403",
    });
    expect(statusError(401, "Unauthorized\n", "GET /api")).toMatchObject({
      code: "Unauthorized",
      message: "GET /api: HTTP 401: Unauthorized",
      details: { httpStatus: 401 },
    });
    expect(statusError(429, undefined, "x").code).toBe("Internal");
  });

  it("copies causes, leaving out absent fields", () => {
    const err = statusError(
      422,
      {
        kind: "Status",
        reason: "Invalid",
        details: { causes: [{ reason: "FieldValueInvalid", message: "bad" }] },
      },
      "x",
    );
    expect(err.causes).toEqual([{ reason: "FieldValueInvalid", message: "bad" }]);
  });

  it("recognises Status objects", () => {
    expect(isStatus({ kind: "Status" })).toBe(true);
    expect(isStatus({ kind: "Pod" })).toBe(false);
    expect(isStatus(null)).toBe(false);
  });
});
