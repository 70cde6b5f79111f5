import { describe, expect, it } from "vitest";
import { BerthError, ErrorCode } from "../../common/errors.js";
import { statusFromError, unsupported } from "./status.js";

describe("statusFromError", () => {
  it.each([
    [ErrorCode.NotFound, 404, "NotFound"],
    [ErrorCode.AlreadyExists, 409, "AlreadyExists"],
    [ErrorCode.Conflict, 409, "Conflict"],
    [ErrorCode.Invalid, 422, "Invalid"],
    [ErrorCode.BadRequest, 400, "BadRequest"],
    [ErrorCode.Unauthorized, 401, "Unauthorized"],
    [ErrorCode.Forbidden, 403, "Forbidden"],
    [ErrorCode.Expired, 410, "Expired"],
    [ErrorCode.Timeout, 504, "Timeout"],
  ])("maps %s to %d %s", (code, http, reason) => {
    const s = statusFromError(new BerthError(code, "m"));
    expect(s).toMatchObject({
      kind: "Status",
      apiVersion: "v1",
      status: "Failure",
      code: http,
      reason,
      message: "m",
    });
  });

  it("keeps details and strips the field from cause messages", () => {
    const err = new BerthError(ErrorCode.Invalid, 'Pod "p" is invalid: spec.x: Required value', {
      causes: [{ reason: "FieldValueRequired", field: "spec.x", message: "spec.x: Required value" }],
      details: { kind: "Pod", name: "p", group: "" },
    });
    expect(statusFromError(err).details).toEqual({
      kind: "Pod",
      name: "p",
      causes: [{ reason: "FieldValueRequired", field: "spec.x", message: "Required value" }],
    });
  });

  it("maps Unsupported variants and anything else to 500", () => {
    expect(statusFromError(unsupported("UnsupportedMediaType", "x")).code).toBe(415);
    expect(statusFromError(unsupported("RequestEntityTooLarge", "x")).code).toBe(413);
    expect(statusFromError(new BerthError(ErrorCode.Unsupported, "x")).code).toBe(405);
    expect(statusFromError(new Error("boom"))).toMatchObject({ code: 500, reason: "InternalError" });
  });
});
