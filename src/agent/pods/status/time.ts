/** Times as the API writes metav1.Time: RFC 3339 in UTC, whole seconds. */

export function apiTime(date: Date): string {
  return new Date(Math.floor(date.getTime() / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

/** A runtime timestamp (nanoseconds since the epoch); undefined for 0, the runtime's "not set". */
export function apiTimeFromNanos(nanos: bigint): string | undefined {
  if (nanos <= 0n) return undefined;
  return apiTime(new Date(Number(nanos / 1_000_000n)));
}

/** A time string cut to whole seconds, so that two writings of one instant compare equal. */
export function normalizeApiTime(text: string): string {
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? text : apiTime(new Date(ms));
}
