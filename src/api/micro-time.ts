/** metav1.MicroTime text: RFC 3339 in UTC with exactly six fractional digits. */
export function microTime(nanos: bigint): string {
  const micros = nanos / 1000n;
  const seconds = micros / 1_000_000n;
  const fraction = (micros % 1_000_000n).toString().padStart(6, "0");
  return `${new Date(Number(seconds) * 1000).toISOString().slice(0, 19)}.${fraction}Z`;
}
