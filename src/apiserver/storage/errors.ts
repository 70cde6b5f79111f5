import { BerthError, ErrorCode } from "../../common/errors.js";

/**
 * The storage failures, with details the HTTP layer can turn into Kubernetes Status objects
 * (it knows the resource and name; storage only knows the key).
 */

export function keyNotFound(key: string): BerthError {
  return new BerthError(ErrorCode.NotFound, `key ${JSON.stringify(key)} not found`, { details: { key } });
}

export function keyExists(key: string): BerthError {
  return new BerthError(ErrorCode.AlreadyExists, `key ${JSON.stringify(key)} already exists`, {
    details: { key },
  });
}

export function revisionConflict(key: string, expected: number, actual: number): BerthError {
  return new BerthError(
    ErrorCode.Conflict,
    `key ${JSON.stringify(key)} has revision ${actual}, not the expected ${expected}`,
    { details: { key, expectedRevision: expected, actualRevision: actual } },
  );
}

/** kube-apiserver: "too old resource version: %d (%d)" -> 410 Expired. */
export function tooOldRevision(requested: number, oldest: number): BerthError {
  return new BerthError(ErrorCode.Expired, `too old resource version: ${requested} (${oldest})`, {
    details: { requestedRevision: requested, oldestRevision: oldest },
  });
}

/** kube-apiserver answers a resourceVersion ahead of the store with "Too large resource version". */
export function futureRevision(requested: number, current: number): BerthError {
  return new BerthError(ErrorCode.Timeout, `Too large resource version: ${requested}, current: ${current}`, {
    details: { requestedRevision: requested, currentRevision: current },
  });
}

export function storageClosed(): BerthError {
  return new BerthError(ErrorCode.Internal, "storage is closed");
}

/**
 * etcd refuses a request larger than --max-request-bytes (1.5 MiB by default) with
 * rpctypes.ErrRequestTooLarge, "etcdserver: request is too large"; kube-apiserver passes that text
 * on. Both backends apply the limit to the key and value of a write, so an object too large for
 * etcd is too large everywhere.
 */
export function requestTooLarge(key?: string, bytes?: number): BerthError {
  return new BerthError(ErrorCode.Unsupported, "etcdserver: request is too large", {
    details: { reason: "RequestEntityTooLarge", ...(key === undefined ? {} : { key, bytes }) },
  });
}
