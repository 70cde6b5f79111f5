import { BerthError, ErrorCode } from "../../common/errors.js";
import { requestTooLarge } from "./errors.js";

/** etcd: DefaultMaxRequestBytes (--max-request-bytes), 1.5 MiB. */
export const MAX_REQUEST_BYTES = 1.5 * 1024 * 1024;

/**
 * Key handling shared by the backends. Keys are absolute paths ("/registry/pods/ns/name") compared
 * as bytes; for ASCII keys, UTF-16 code unit order, UTF-8 byte order and SQLite's BINARY collation
 * all agree.
 */

/** The first key after every key that starts with prefix (etcd's "range end" of a prefix). */
export function prefixEnd(prefix: string): string | undefined {
  let end = prefix;
  while (end.length > 0) {
    const last = end.charCodeAt(end.length - 1);
    if (last < 0xffff) return end.slice(0, -1) + String.fromCharCode(last + 1);
    end = end.slice(0, -1);
  }
  return undefined;
}

export function checkKey(key: unknown): asserts key is string {
  if (typeof key !== "string" || key.length === 0 || !key.startsWith("/") || key.includes("\0")) {
    throw new BerthError(ErrorCode.BadRequest, `invalid storage key ${JSON.stringify(key)}: want "/..."`, {
      details: { key },
    });
  }
}

/** A list or watch prefix: "" means every key, otherwise it must start with "/". */
export function checkPrefix(prefix: unknown): asserts prefix is string {
  if (typeof prefix !== "string" || (prefix !== "" && !prefix.startsWith("/")) || prefix.includes("\0")) {
    throw new BerthError(
      ErrorCode.BadRequest,
      `invalid storage prefix ${JSON.stringify(prefix)}: want "" or "/..."`,
      { details: { prefix } },
    );
  }
}

/** A value to write: bytes, and with its key no larger than etcd takes in one request. */
export function checkValue(key: string, value: unknown): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new BerthError(ErrorCode.BadRequest, "storage value must be a Uint8Array");
  }
  const bytes = Buffer.byteLength(key) + value.byteLength;
  if (bytes > MAX_REQUEST_BYTES) throw requestTooLarge(key, bytes);
}

export function checkRevision(name: string, revision: unknown): asserts revision is number | undefined {
  if (revision === undefined) return;
  if (typeof revision !== "number" || !Number.isSafeInteger(revision) || revision < 0) {
    throw new BerthError(
      ErrorCode.BadRequest,
      `${name} must be a non-negative integer, got ${String(revision)}`,
    );
  }
}

export function checkLimit(limit: unknown): asserts limit is number | undefined {
  if (limit === undefined) return;
  if (typeof limit !== "number" || !Number.isSafeInteger(limit) || limit < 0) {
    throw new BerthError(ErrorCode.BadRequest, `limit must be a non-negative integer, got ${String(limit)}`);
  }
}

/** True when key falls under prefix (as a key range). */
export function hasPrefix(key: string, prefix: string): boolean {
  return key.startsWith(prefix);
}
