/**
 * Kubernetes resource quantities ("250m", "64Mi", "1e3"), exact to the nano unit.
 *
 * Compare with apimachinery pkg/api/resource (quantity.go, suffix.go): a quantity is a signed decimal
 * number with an optional suffix: binary SI (Ki..Ei), decimal SI (n, u, m, k, M, G, T, P, E) or a
 * decimal exponent (e3, E-6). As upstream, anything finer than 1n is rounded up (away from zero) on
 * parse, `value()` and `milliValue()` round up, and the canonical string keeps the format family of
 * the input (see `Quantity.toString`). berth stores the amount as a bigint count of nano units, so
 * there is no float drift and no int64 overflow.
 */
import { BerthError, ErrorCode } from "./errors.js";

export type QuantityFormat = "DecimalSI" | "BinarySI" | "DecimalExponent";

/** apimachinery resource: ErrFormatWrong. */
export const QUANTITY_FORMAT_MESSAGE =
  "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
/** apimachinery resource: ErrNumeric. */
export const QUANTITY_NUMERIC_MESSAGE = "unable to parse numeric part of quantity";
/** apimachinery resource: ErrSuffix. */
export const QUANTITY_SUFFIX_MESSAGE = "unable to parse quantity's suffix";

/** Decimal exponents beyond this are refused (upstream accepts them but nobody means them). */
const MAX_EXPONENT = 1000;
const NANO_PER_UNIT = 10n ** 9n;

const BINARY_SUFFIXES = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"] as const;
const DECIMAL_SUFFIX_EXPONENTS: ReadonlyMap<string, number> = new Map([
  ["n", -9],
  ["u", -6],
  ["m", -3],
  ["", 0],
  ["k", 3],
  ["M", 6],
  ["G", 9],
  ["T", 12],
  ["P", 15],
  ["E", 18],
]);
const DECIMAL_EXPONENT_SUFFIXES: ReadonlyMap<number, string> = new Map(
  [...DECIMAL_SUFFIX_EXPONENTS].map(([suffix, exp]) => [exp, suffix]),
);

const SUFFIX_SHAPE = /^[eEinumkKMGTP]*[-+]?[0-9]*$/;

function fail(message: string, text: string): never {
  throw new BerthError(ErrorCode.BadRequest, message, { details: { quantity: text } });
}

/** Divides and rounds away from zero, as resource.Quantity's RoundUp. */
function divRoundUp(n: bigint, d: bigint): bigint {
  const q = n / d;
  if (q * d === n) return q;
  return n < 0n ? q - 1n : q + 1n;
}

function abs(n: bigint): bigint {
  return n < 0n ? -n : n;
}

export class Quantity {
  private constructor(
    /** The amount in units of 10^-9. */
    readonly nano: bigint,
    readonly format: QuantityFormat,
  ) {}

  /** Parses a quantity string; also accepts a JSON number, as the API server does. */
  static parse(input: string | number): Quantity {
    const text = typeof input === "number" ? String(input) : input;
    if (text.length === 0) fail(QUANTITY_FORMAT_MESSAGE, text);
    const trimmed = text;
    // Number part: sign, digits, optional fraction (apimachinery parseQuantityString).
    let pos = 0;
    let negative = false;
    if (trimmed[pos] === "+" || trimmed[pos] === "-") {
      negative = trimmed[pos] === "-";
      pos++;
    }
    const intStart = pos;
    while (pos < trimmed.length && isDigit(trimmed[pos])) pos++;
    const intDigits = trimmed.slice(intStart, pos);
    let fracDigits = "";
    if (trimmed[pos] === ".") {
      pos++;
      const fracStart = pos;
      while (pos < trimmed.length && isDigit(trimmed[pos])) pos++;
      fracDigits = trimmed.slice(fracStart, pos);
    }
    if (intDigits.length === 0 && fracDigits.length === 0) fail(QUANTITY_FORMAT_MESSAGE, text);
    const suffix = trimmed.slice(pos);
    if (!SUFFIX_SHAPE.test(suffix)) fail(QUANTITY_FORMAT_MESSAGE, text);

    let mantissa = BigInt((intDigits || "0") + fracDigits);
    if (negative) mantissa = -mantissa;
    let decimalExp = -fracDigits.length;
    let format: QuantityFormat;
    const binaryIndex = BINARY_SUFFIXES.indexOf(suffix as (typeof BINARY_SUFFIXES)[number]);
    const decimalExp10 = DECIMAL_SUFFIX_EXPONENTS.get(suffix);
    if (suffix !== "" && binaryIndex > 0) {
      format = "BinarySI";
      mantissa *= 1024n ** BigInt(binaryIndex);
    } else if (decimalExp10 !== undefined) {
      format = "DecimalSI";
      decimalExp += decimalExp10;
    } else if (suffix.length > 1 && (suffix[0] === "e" || suffix[0] === "E")) {
      const exp = suffix.slice(1);
      if (!/^[-+]?[0-9]+$/.test(exp)) fail(QUANTITY_SUFFIX_MESSAGE, text);
      const value = Number.parseInt(exp, 10);
      if (Math.abs(value) > MAX_EXPONENT) fail(QUANTITY_NUMERIC_MESSAGE, text);
      format = "DecimalExponent";
      decimalExp += value;
    } else {
      fail(QUANTITY_SUFFIX_MESSAGE, text);
    }
    const shift = decimalExp + 9;
    const nano = shift >= 0 ? mantissa * 10n ** BigInt(shift) : divRoundUp(mantissa, 10n ** BigInt(-shift));
    return new Quantity(nano, format);
  }

  /** A quantity from an integer count of milli units (DecimalSI), e.g. 250 -> "250m". */
  static fromMilli(milli: number | bigint, format: QuantityFormat = "DecimalSI"): Quantity {
    return new Quantity(BigInt(milli) * 10n ** 6n, format);
  }

  /** A quantity from an integer count of units, e.g. bytes with BinarySI. */
  static fromValue(value: number | bigint, format: QuantityFormat = "DecimalSI"): Quantity {
    return new Quantity(BigInt(value) * NANO_PER_UNIT, format);
  }

  /** The amount in whole units, rounded up (resource.Quantity Value). */
  value(): bigint {
    return divRoundUp(this.nano, NANO_PER_UNIT);
  }

  /** The amount in milli units, rounded up (resource.Quantity MilliValue). */
  milliValue(): bigint {
    return divRoundUp(this.nano, 10n ** 6n);
  }

  sign(): -1 | 0 | 1 {
    return this.nano === 0n ? 0 : this.nano < 0n ? -1 : 1;
  }

  /** -1, 0 or 1 as this is less than, equal to or greater than `other`. */
  cmp(other: Quantity): -1 | 0 | 1 {
    return this.nano === other.nano ? 0 : this.nano < other.nano ? -1 : 1;
  }

  equals(other: Quantity): boolean {
    return this.nano === other.nano;
  }

  add(other: Quantity): Quantity {
    return new Quantity(this.nano + other.nano, this.format);
  }

  /**
   * The canonical form the API server writes back (resource.Quantity CanonicalizeBytes):
   * BinarySI uses the largest binary suffix that keeps an integer, and falls back to DecimalSI below
   * 1024 or for fractional amounts; DecimalSI and DecimalExponent use the largest exponent that is a
   * multiple of 3 and keeps an integer mantissa ("1000" -> "1k", "1.5" -> "1500m", "1e3" -> "1e3").
   */
  toString(): string {
    if (this.nano === 0n) return "0";
    let format = this.format;
    if (format === "BinarySI") {
      if (abs(this.nano) < 1024n * NANO_PER_UNIT || this.nano % NANO_PER_UNIT !== 0n) format = "DecimalSI";
      else {
        let units = this.nano / NANO_PER_UNIT;
        let index = 0;
        while (index < BINARY_SUFFIXES.length - 1 && units % 1024n === 0n) {
          units /= 1024n;
          index++;
        }
        return `${units}${BINARY_SUFFIXES[index] ?? ""}`;
      }
    }
    let mantissa = this.nano;
    let exp = -9;
    while (mantissa % 10n === 0n) {
      mantissa /= 10n;
      exp++;
    }
    // Largest multiple of 3 not above exp (exp >= -9 always).
    let target = Math.floor(exp / 3) * 3;
    if (format === "DecimalSI" && target > 18) target = 18;
    mantissa *= 10n ** BigInt(exp - target);
    if (format === "DecimalExponent") return target === 0 ? `${mantissa}` : `${mantissa}e${target}`;
    return `${mantissa}${DECIMAL_EXPONENT_SUFFIXES.get(target) ?? ""}`;
  }

  toJSON(): string {
    return this.toString();
  }
}

function isDigit(ch: string | undefined): boolean {
  return ch !== undefined && ch >= "0" && ch <= "9";
}

/** Parses a quantity (string or JSON number); throws BerthError BadRequest with upstream's message. */
export function parseQuantity(input: string | number): Quantity {
  return Quantity.parse(input);
}

/** The canonical string of a quantity value as the API server re-serialises it. */
export function canonicalQuantity(input: string | number): string {
  return Quantity.parse(input).toString();
}
