/**
 * Docker API failures (dockerode errors carrying statusCode and the daemon's JSON message, or
 * socket errors) to BerthErrors with stable codes; the original is kept as `cause`. Docker's
 * status codes do not tell "no such image" from "no such container" or an unauthorized pull from
 * any other pull failure, so the daemon's message is consulted here, and only here.
 */
import { BerthError, ErrorCode, errorMessage } from "../../common/index.js";

/** What the failed call was about, for the message and for reading ambiguous statuses. */
export type Subject = "container" | "sandbox" | "image" | "exec" | "daemon";

const SOCKET_ERRORS = new Set([
  "ECONNREFUSED",
  "ENOENT",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EACCES",
  "ENOTSOCK",
]);

const UNAUTHORIZED = /unauthorized|authentication required|no basic auth credentials|access denied|denied:/i;
const IMAGE_MISSING =
  /no such image|manifest unknown|not found: manifest|repository does not exist|manifest for .* not found/i;
const BAD_REFERENCE =
  /invalid reference format|invalid repository name|repository name must|invalid tag format|invalid checksum digest/i;

/** "(HTTP code 404) unexpected - " before the daemon's message in dockerode's errors. */
const DOCKERODE_PREFIX = /^\(HTTP code \d+\) [^-]*- /;

interface DockerodeError {
  readonly statusCode?: number;
  readonly code?: string;
  readonly json?: unknown;
  readonly message?: string;
}

/** The daemon's own message when there is one, else the error's. */
export function dockerMessage(err: unknown): string {
  const json = (err as DockerodeError | undefined)?.json;
  if (json && typeof json === "object" && "message" in json && typeof json.message === "string") {
    return json.message;
  }
  if (typeof json === "string" && json.trim() !== "") return json.trim();
  // Streamed calls (pulls, logs) keep the daemon's message only inside dockerode's own text.
  return errorMessage(err).replace(DOCKERODE_PREFIX, "").trim();
}

/** `what` names the object in the message, e.g. `container "abc"`. */
export function fromDockerError(err: unknown, subject: Subject, what: string): BerthError {
  if (err instanceof BerthError) return err;
  const e = (err ?? {}) as DockerodeError;
  const message = dockerMessage(err);
  const options = { cause: err, details: { subject, status: e.statusCode } };

  if (e.code !== undefined && SOCKET_ERRORS.has(e.code)) {
    return new BerthError(
      ErrorCode.RuntimeUnavailable,
      `docker daemon unreachable (${e.code}): ${message}`,
      options,
    );
  }
  if (e.statusCode === undefined && /socket hang up|connect E/i.test(message)) {
    return new BerthError(ErrorCode.RuntimeUnavailable, `docker daemon unreachable: ${message}`, options);
  }
  return fromMessage(e.statusCode, message, subject, what, options);
}

/** Also used for errors that arrive inside a pull's progress stream (no HTTP status there). */
export function fromMessage(
  status: number | undefined,
  message: string,
  subject: Subject,
  what: string,
  options: { cause?: unknown; details?: Record<string, unknown> } = {},
): BerthError {
  const text = `${what}: ${message}`;
  if (BAD_REFERENCE.test(message)) return new BerthError(ErrorCode.InvalidImageName, text, options);
  if (status === 401 || UNAUTHORIZED.test(message))
    return new BerthError(ErrorCode.Unauthorized, text, options);
  if (status === 404 || (status === undefined && IMAGE_MISSING.test(message))) {
    const image = subject === "image" || IMAGE_MISSING.test(message);
    return new BerthError(image ? ErrorCode.ImageNotFound : ErrorCode.NotFound, text, options);
  }
  if (subject === "image" && IMAGE_MISSING.test(message))
    return new BerthError(ErrorCode.ImageNotFound, text, options);
  if (status === 409) return new BerthError(ErrorCode.AlreadyExists, text, options);
  if (status === 400) return new BerthError(ErrorCode.Invalid, text, options);
  return new BerthError(ErrorCode.Internal, text, options);
}

/** Docker answers 304 to stopping a stopped container or starting a started one. */
export function isNotModified(err: unknown): boolean {
  return (err as DockerodeError | undefined)?.statusCode === 304;
}

export function isDockerNotFound(err: unknown): boolean {
  return (err as DockerodeError | undefined)?.statusCode === 404;
}
