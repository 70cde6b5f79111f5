import { status as GrpcStatus } from "@grpc/grpc-js";
import { BerthError, ErrorCode } from "../../common/errors.js";

/** What a failed call was about: decides whether "not found" means a missing image. */
export type CriSubject = "runtime" | "sandbox" | "container" | "image" | "pull" | "exec";

interface GrpcLikeError {
  readonly code: number;
  readonly details?: string;
  readonly message: string;
}

function isGrpcError(err: unknown): err is GrpcLikeError {
  return err instanceof Error && typeof (err as { code?: unknown }).code === "number" && "metadata" in err;
}

// Runtime messages that carry meaning the status code does not (containerd wraps many failures
// as UNKNOWN). These are the runtime's words, matched in this one place only.
const RESERVED = /is reserved for|name is reserved/i;
const UNAUTHORIZED = /\b401\b|unauthorized|authentication required|denied: requested access/i;
const INVALID_REFERENCE = /invalid reference format|failed to parse image reference|repository name must/i;
const NOT_FOUND = /not found|no such/i;
const EXEC_TIMEOUT = /timeout .* exceeded|deadline exceeded/i;

function codeFor(err: GrpcLikeError, subject: CriSubject): ErrorCode {
  const text = err.details || err.message;
  if (err.code === GrpcStatus.UNAVAILABLE) return ErrorCode.RuntimeUnavailable;
  if (err.code === GrpcStatus.DEADLINE_EXCEEDED) return ErrorCode.DeadlineExceeded;
  if (err.code === GrpcStatus.UNIMPLEMENTED) return ErrorCode.Unsupported;
  if (err.code === GrpcStatus.ALREADY_EXISTS || RESERVED.test(text)) return ErrorCode.AlreadyExists;
  if (subject === "pull" || subject === "image") {
    if (err.code === GrpcStatus.UNAUTHENTICATED || err.code === GrpcStatus.PERMISSION_DENIED) {
      return ErrorCode.Unauthorized;
    }
    if (UNAUTHORIZED.test(text)) return ErrorCode.Unauthorized;
    if (INVALID_REFERENCE.test(text)) return ErrorCode.InvalidImageName;
    if (err.code === GrpcStatus.NOT_FOUND || NOT_FOUND.test(text)) return ErrorCode.ImageNotFound;
  }
  if (subject === "exec" && EXEC_TIMEOUT.test(text)) return ErrorCode.DeadlineExceeded;
  if (err.code === GrpcStatus.NOT_FOUND) {
    // A container created from an image that is not there.
    return /image/i.test(text) && subject === "container" && !/container/i.test(text)
      ? ErrorCode.ImageNotFound
      : ErrorCode.NotFound;
  }
  if (err.code === GrpcStatus.INVALID_ARGUMENT) {
    return INVALID_REFERENCE.test(text) ? ErrorCode.InvalidImageName : ErrorCode.Invalid;
  }
  return ErrorCode.Internal;
}

/**
 * A runtime.v1 call failure as a BerthError: `method` and `target` (an id or image reference)
 * go into the message and details, the gRPC error is kept as `cause`.
 */
export function criError(err: unknown, method: string, subject: CriSubject, target?: string): BerthError {
  if (err instanceof BerthError) return err;
  const where = target ? `${method} ${target}` : method;
  if (!isGrpcError(err)) {
    const text = err instanceof Error ? err.message : String(err);
    return new BerthError(ErrorCode.Internal, `CRI ${where}: ${text}`, { cause: err });
  }
  const code = codeFor(err, subject);
  const text = err.details || err.message;
  return new BerthError(code, `CRI ${where}: ${text}`, {
    cause: err,
    details: { method, grpcCode: err.code, ...(target ? { target } : {}) },
  });
}
