/** Docker's RFC 3339 timestamps to the nanosecond bigints of the runtime interface. */

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Nanoseconds since the epoch; 0n for Go's zero time ("0001-01-01T00:00:00Z", Docker's "never"),
 * anything before the epoch, an empty string or text that is not a timestamp.
 */
export function parseDockerTime(text: string | undefined): bigint {
  const match = RFC3339.exec(text ?? "");
  if (!match) return 0n;
  const [, year, month, day, hour, minute, second, fraction = "", zone = "Z"] = match;
  const millis = Date.UTC(
    Number(year),
    Number(month) - 1,
    Number(day),
    Number(hour),
    Number(minute),
    Number(second),
  );
  let seconds = BigInt(millis / 1000);
  if (zone !== "Z") {
    const sign = zone.startsWith("-") ? -1n : 1n;
    const [offsetHours, offsetMinutes] = zone.slice(1).split(":").map(BigInt) as [bigint, bigint];
    seconds -= sign * (offsetHours * 3600n + offsetMinutes * 60n);
  }
  if (seconds < 0n) return 0n;
  return seconds * 1_000_000_000n + BigInt(fraction.padEnd(9, "0") || "0");
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
