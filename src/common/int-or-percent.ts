/**
 * intstr.IntOrString as workloads use it (maxSurge, maxUnavailable): a whole number, or a
 * percentage of a total rounded up or down (intstr.GetScaledValueFromIntOrPercent).
 */
import { BerthError, ErrorCode } from "./errors.js";

const PERCENT = /^(\d+)%$/;

/** True for a non-negative integer or a string such as "25%". */
export function isIntOrPercent(value: unknown): value is number | string {
  if (typeof value === "number") return Number.isInteger(value);
  return typeof value === "string" && PERCENT.test(value);
}

/** The percentage of a "N%" string, undefined for anything else. */
export function percentOf(value: unknown): number | undefined {
  if (typeof value !== "string") return undefined;
  const m = PERCENT.exec(value);
  return m === null ? undefined : Number(m[1]);
}

/** The value scaled to `total`: numbers as they are, percentages rounded up or down. */
export function scaledValue(value: number | string, total: number, roundUp: boolean): number {
  if (typeof value === "number") return value;
  const percent = percentOf(value);
  if (percent === undefined) {
    throw new BerthError(
      ErrorCode.Invalid,
      `invalid value for IntOrString: invalid value ${JSON.stringify(value)}`,
    );
  }
  const scaled = (percent * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}
