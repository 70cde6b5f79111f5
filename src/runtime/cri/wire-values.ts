import type { Labels } from "../types.js";
import type { WireLong, WireUInt64Value } from "./wire.js";

/** An int64 read from the wire (tolerates numbers and absence) as a bigint. */
export function wireBigInt(value: WireLong | number | null | undefined): bigint {
  if (value === null || value === undefined) return 0n;
  return BigInt(value);
}

/** A uint64 wrapper as a JS number (byte counts fit in 2^53). */
export function wireNumber(value: WireUInt64Value | null | undefined): number {
  return value ? Number(value.value) : 0;
}

export function wireBigIntValue(value: WireUInt64Value | null | undefined): bigint {
  return value ? wireBigInt(value.value) : 0n;
}

/** A label or annotation map copied out of a wire message (never null). */
export function wireMap(map: Record<string, string> | null | undefined): Labels {
  return { ...(map ?? {}) };
}
