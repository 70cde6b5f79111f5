/**
 * Kubernetes error responses (a meta/v1 Status, or anything else) as BerthErrors. The reason in the
 * Status decides first (409 is AlreadyExists or Conflict by reason), the HTTP code second. The
 * Status itself is kept as details.status, the HTTP code as details.httpStatus.
 */
import { BerthError, ErrorCode, type ErrorCause } from "../common/errors.js";
import type { Status } from "./types.js";

// apimachinery metav1.StatusReason values berth branches on.
const BY_REASON: Readonly<Record<string, ErrorCode>> = {
  NotFound: ErrorCode.NotFound,
  AlreadyExists: ErrorCode.AlreadyExists,
  Conflict: ErrorCode.Conflict,
  Invalid: ErrorCode.Invalid,
  BadRequest: ErrorCode.BadRequest,
  Unauthorized: ErrorCode.Unauthorized,
  Forbidden: ErrorCode.Forbidden,
  Expired: ErrorCode.Expired,
  Gone: ErrorCode.Expired,
  Timeout: ErrorCode.Timeout,
  ServerTimeout: ErrorCode.Timeout,
  MethodNotAllowed: ErrorCode.Unsupported,
  UnsupportedMediaType: ErrorCode.Unsupported,
  NotAcceptable: ErrorCode.Unsupported,
  InternalError: ErrorCode.Internal,
};

function byHttpStatus(code: number): ErrorCode {
  switch (code) {
    case 400:
      return ErrorCode.BadRequest;
    case 401:
      return ErrorCode.Unauthorized;
    case 403:
      return ErrorCode.Forbidden;
    case 404:
      return ErrorCode.NotFound;
    case 405:
    case 406:
    case 415:
      return ErrorCode.Unsupported;
    case 409:
      return ErrorCode.Conflict;
    case 410:
      return ErrorCode.Expired;
    case 422:
      return ErrorCode.Invalid;
    case 408:
    case 504:
      return ErrorCode.Timeout;
    default:
      return ErrorCode.Internal;
  }
}

export function isStatus(value: unknown): value is Status {
  return typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "Status";
}

/**
 * The error for a failed response. `body` is the parsed JSON (or raw text) of the response;
 * `what` names the request for the message ("GET /api/v1/pods/x").
 */
export function statusError(httpStatus: number, body: unknown, what: string): BerthError {
  if (isStatus(body)) {
    const reason = body.reason ?? "";
    const code = BY_REASON[reason] ?? byHttpStatus(body.code ?? httpStatus);
    const causes: ErrorCause[] = (body.details?.causes ?? []).map((c) => ({
      reason: c.reason ?? "",
      message: c.message ?? "",
      ...(c.field === undefined ? {} : { field: c.field }),
    }));
    const message = body.message ?? (reason || `HTTP ${httpStatus}`);
    return new BerthError(code, `${what}: ${message}`, { causes, details: { status: body, httpStatus } });
  }
  const text = typeof body === "string" ? body.trim().slice(0, 200) : "";
  return new BerthError(byHttpStatus(httpStatus), `${what}: HTTP ${httpStatus}${text ? `: ${text}` : ""}`, {
    details: { httpStatus },
  });
}
