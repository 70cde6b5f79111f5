/**
 * Hard eviction thresholds (KubeletConfiguration.evictionHard: "memory.available": "100Mi",
 * "nodefs.available": "10%"), parsed once; the node controller uses them for allocatable and for
 * the pressure conditions.
 */
import { BerthError, ErrorCode, errorMessage } from "../../common/errors.js";
import { Quantity } from "../../common/quantity.js";
import { EVICTION_SIGNALS } from "../../config/index.js";

export type EvictionSignal = (typeof EVICTION_SIGNALS)[number];

/** Either an absolute amount (bytes, inodes, pids) or a fraction of the capacity. */
export type ThresholdValue =
  | { readonly kind: "quantity"; readonly value: bigint }
  | { readonly kind: "percentage"; readonly fraction: number };

export type EvictionThresholds = ReadonlyMap<EvictionSignal, ThresholdValue>;

function invalid(message: string): BerthError {
  return new BerthError(ErrorCode.Config, `evictionHard: ${message}`);
}

function parseValue(signal: string, text: string): ThresholdValue {
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(text.trim());
  if (pct?.[1] !== undefined) {
    const fraction = Number(pct[1]) / 100;
    if (fraction < 0 || fraction > 1)
      throw invalid(`${signal}: ${text} is not a percentage within 0% to 100%`);
    return { kind: "percentage", fraction };
  }
  let q: Quantity;
  try {
    q = Quantity.parse(text.trim());
  } catch (err) {
    throw invalid(
      `${signal}: ${JSON.stringify(text)} is neither a quantity nor a percentage (${errorMessage(err)})`,
    );
  }
  if (q.sign() < 0) throw invalid(`${signal}: ${text} must not be negative`);
  return { kind: "quantity", value: q.value() };
}

/** Parses evictionHard; an unknown signal or a malformed value is a Config error naming it. */
export function parseEvictionThresholds(map: Readonly<Record<string, string>>): EvictionThresholds {
  const out = new Map<EvictionSignal, ThresholdValue>();
  for (const [signal, text] of Object.entries(map)) {
    if (!(EVICTION_SIGNALS as readonly string[]).includes(signal)) {
      throw invalid(`unknown signal ${JSON.stringify(signal)} (known: ${EVICTION_SIGNALS.join(", ")})`);
    }
    if (typeof text !== "string") throw invalid(`${signal}: value must be a string`);
    out.set(signal as EvictionSignal, parseValue(signal, text));
  }
  return out;
}

/** The threshold as an absolute amount against a capacity (0 when not set). */
export function thresholdAmount(threshold: ThresholdValue | undefined, capacity: bigint): bigint {
  if (threshold === undefined) return 0n;
  if (threshold.kind === "quantity") return threshold.value;
  // Percentages of byte counts: round to the nearest unit (kubelet: GetThresholdQuantity via float).
  return BigInt(Math.round(Number(capacity) * threshold.fraction));
}
