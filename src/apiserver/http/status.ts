/**
 * The one place where BerthErrors become Kubernetes Status objects (metav1.Status) and HTTP codes.
 * Reasons and codes follow apimachinery's StatusReason table.
 */
import { BerthError, ErrorCode, errorMessage } from "../../common/errors.js";

export interface Status {
  readonly kind: "Status";
  readonly apiVersion: "v1";
  readonly metadata: Record<string, never>;
  readonly status: "Failure" | "Success";
  readonly message: string;
  readonly reason: string;
  readonly details?: Record<string, unknown>;
  readonly code: number;
}

/** Variants of Unsupported, picked by details.reason; the default is MethodNotAllowed. */
const UNSUPPORTED: Record<string, number> = {
  MethodNotAllowed: 405,
  NotAcceptable: 406,
  RequestEntityTooLarge: 413,
  UnsupportedMediaType: 415,
};

const BY_CODE: Partial<Record<ErrorCode, { code: number; reason: string }>> = {
  [ErrorCode.NotFound]: { code: 404, reason: "NotFound" },
  [ErrorCode.AlreadyExists]: { code: 409, reason: "AlreadyExists" },
  [ErrorCode.Conflict]: { code: 409, reason: "Conflict" },
  [ErrorCode.Invalid]: { code: 422, reason: "Invalid" },
  [ErrorCode.BadRequest]: { code: 400, reason: "BadRequest" },
  [ErrorCode.Unauthorized]: { code: 401, reason: "Unauthorized" },
  [ErrorCode.Forbidden]: { code: 403, reason: "Forbidden" },
  [ErrorCode.Expired]: { code: 410, reason: "Expired" },
  [ErrorCode.Timeout]: { code: 504, reason: "Timeout" },
  [ErrorCode.DeadlineExceeded]: { code: 504, reason: "Timeout" },
  [ErrorCode.RuntimeUnavailable]: { code: 503, reason: "ServiceUnavailable" },
};

function statusDetails(err: BerthError): Record<string, unknown> | undefined {
  const d = err.details;
  const out: Record<string, unknown> = {};
  if (typeof d["name"] === "string") out["name"] = d["name"];
  if (typeof d["group"] === "string" && d["group"] !== "") out["group"] = d["group"];
  if (typeof d["kind"] === "string") out["kind"] = d["kind"];
  if (typeof d["uid"] === "string") out["uid"] = d["uid"];
  if (typeof d["retryAfterSeconds"] === "number") out["retryAfterSeconds"] = d["retryAfterSeconds"];
  if (err.causes.length > 0) {
    // A cause's message does not repeat its field (clients print "field: message").
    out["causes"] = err.causes.map((c) => ({
      reason: c.reason,
      message:
        c.field !== undefined && c.message.startsWith(`${c.field}: `)
          ? c.message.slice(c.field.length + 2)
          : c.message,
      ...(c.field !== undefined ? { field: c.field } : {}),
    }));
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The Status for any thrown value; anything not a BerthError is a 500 InternalError. */
export function statusFromError(err: unknown): Status {
  if (!(err instanceof BerthError)) {
    return failure(500, "InternalError", `Internal error occurred: ${errorMessage(err)}`);
  }
  let mapped = BY_CODE[err.code];
  if (err.code === ErrorCode.Unsupported) {
    const reason = typeof err.details["reason"] === "string" ? err.details["reason"] : "MethodNotAllowed";
    mapped = { code: UNSUPPORTED[reason] ?? 405, reason: UNSUPPORTED[reason] ? reason : "MethodNotAllowed" };
  }
  if (mapped === undefined) {
    return failure(500, "InternalError", `Internal error occurred: ${err.message}`);
  }
  return failure(mapped.code, mapped.reason, err.message, statusDetails(err));
}

export function failure(
  code: number,
  reason: string,
  message: string,
  details?: Record<string, unknown>,
): Status {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  };
}

/** A Success Status, e.g. for a delete that returns no object. */
export function success(details?: Record<string, unknown>): Record<string, unknown> {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Success",
    ...(details ? { details } : {}),
  };
}

export function unsupported(reason: keyof typeof UNSUPPORTED, message: string): BerthError {
  return new BerthError(ErrorCode.Unsupported, message, { details: { reason } });
}
