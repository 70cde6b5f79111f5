/** Docker's RFC 3339 timestamps to the nanosecond bigints of the runtime interface. */
import { parseRfc3339Nanos } from "../cri-log.js";

/**
 * Nanoseconds since the epoch; 0n for Go's zero time ("0001-01-01T00:00:00Z", Docker's "never"),
 * anything before the epoch, an empty string or text that is not a timestamp.
 */
export function parseDockerTime(text: string | undefined): bigint {
  if (!text) return 0n;
  try {
    const nanos = parseRfc3339Nanos(text);
    return nanos < 0n ? 0n : nanos;
  } catch {
    return 0n;
  }
}

/** Docker's `since` query value for a time in ns: "<seconds>.<nanoseconds>". */
export function dockerSince(nanos: bigint): string {
  if (nanos <= 0n) return "0";
  const seconds = nanos / 1_000_000_000n;
  const rest = nanos % 1_000_000_000n;
  return `${seconds}.${rest.toString().padStart(9, "0")}`;
}

const ORIGIN_NANOS = BigInt(Date.now()) * 1_000_000n;
const ORIGIN_HRTIME = process.hrtime.bigint();

/** Wall-clock time in ns with the monotonic clock's resolution (no two calls in a row are equal in practice). */
export function nowNanos(): bigint {
  return ORIGIN_NANOS + (process.hrtime.bigint() - ORIGIN_HRTIME);
}
