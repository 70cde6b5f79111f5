import type { Labels } from "../types.js";
import type { WireLong, WireUInt64Value } from "./wire.js";

const TWO_TO_THE_32 = 2 ** 32;

/**
 * An int64 read from the wire (a Long; tolerates decimal strings, numbers and absence) as an exact
 * bigint. Built from the Long's two halves: the Long's own toString (what proto-loader's
 * `longs: String` runs for every int64 of every message) divides in Long arithmetic and was most
 * of the CPU and garbage of a relist of 110 pods under --jitless.
 */
export function wireBigInt(value: WireLong | null | undefined): bigint {
  if (value === null || value === undefined || value === "") return 0n;
  if (typeof value !== "object") return BigInt(value);
  const high = value.unsigned ? value.high >>> 0 : value.high | 0;
  return (BigInt(high) << 32n) + BigInt(value.low >>> 0);
}

/** An int64 read from the wire as a JS number (byte counts and uids fit in 2^53). */
export function wireLongNumber(value: WireLong | null | undefined): number {
  if (value === null || value === undefined || value === "") return 0;
  if (typeof value !== "object") return Number(value);
  const high = value.unsigned ? value.high >>> 0 : value.high | 0;
  return high * TWO_TO_THE_32 + (value.low >>> 0);
}

/** A uint64 wrapper as a JS number (byte counts fit in 2^53). */
export function wireNumber(value: WireUInt64Value | null | undefined): number {
  return value ? wireLongNumber(value.value) : 0;
}

export function wireBigIntValue(value: WireUInt64Value | null | undefined): bigint {
  return value ? wireBigInt(value.value) : 0n;
}

/** A label or annotation map copied out of a wire message (never null). */
export function wireMap(map: Record<string, string> | null | undefined): Labels {
  return { ...(map ?? {}) };
}
