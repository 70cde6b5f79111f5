/**
 * berth's errors: one class, a stable code to branch on, the original failure kept as `cause`.
 * Never branch on message text; use the helpers below. The API server maps these codes to
 * Kubernetes Status objects in one place (apiserver/http).
 */
export const ErrorCode = {
  NotFound: "NotFound",
  AlreadyExists: "AlreadyExists",
  Conflict: "Conflict",
  Invalid: "Invalid",
  BadRequest: "BadRequest",
  Unauthorized: "Unauthorized",
  Forbidden: "Forbidden",
  Expired: "Expired",
  Timeout: "Timeout",
  DeadlineExceeded: "DeadlineExceeded",
  ImageNotFound: "ImageNotFound",
  InvalidImageName: "InvalidImageName",
  RuntimeUnavailable: "RuntimeUnavailable",
  Unsupported: "Unsupported",
  Internal: "Internal",
  Config: "Config",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** A field-level reason attached to Invalid errors (Kubernetes StatusCause). */
export interface ErrorCause {
  readonly reason: string;
  readonly message: string;
  readonly field?: string;
}

export interface BerthErrorOptions {
  readonly cause?: unknown;
  readonly causes?: readonly ErrorCause[];
  /** Extra structured data, e.g. { kind: "pods", name: "x" } for NotFound. */
  readonly details?: Readonly<Record<string, unknown>>;
}

export class BerthError extends Error {
  override readonly name = "BerthError";
  readonly causes: readonly ErrorCause[];
  readonly details: Readonly<Record<string, unknown>>;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: BerthErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.causes = options.causes ?? [];
    this.details = options.details ?? {};
  }
}

export function hasCode(err: unknown, code: ErrorCode): err is BerthError {
  return err instanceof BerthError && err.code === code;
}

export const isNotFound = (err: unknown): err is BerthError => hasCode(err, ErrorCode.NotFound);
export const isAlreadyExists = (err: unknown): err is BerthError => hasCode(err, ErrorCode.AlreadyExists);
export const isConflict = (err: unknown): err is BerthError => hasCode(err, ErrorCode.Conflict);
export const isInvalid = (err: unknown): err is BerthError => hasCode(err, ErrorCode.Invalid);
export const isExpired = (err: unknown): err is BerthError => hasCode(err, ErrorCode.Expired);
export const isRuntimeUnavailable = (err: unknown): err is BerthError =>
  hasCode(err, ErrorCode.RuntimeUnavailable);

/** The message of any thrown value, for logs and wrapped errors. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
