/**
 * Checkers for the config file's values. Each takes the raw YAML value and the field's path as
 * the message names it (`evictionHard["memory.available"]`) and returns the checked value or
 * throws a Config error "config: PATH: WHAT".
 */
import { isIP } from "node:net";
import { BerthError, ErrorCode } from "../common/errors.js";
import { Quantity } from "../common/quantity.js";
import { parseGoDuration } from "./duration.js";

export function configError(path: string, message: string): BerthError {
  return new BerthError(ErrorCode.Config, `config: ${path}: ${message}`, { details: { field: path } });
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return `${typeof value} ${JSON.stringify(value)}`;
}

export function integer(value: unknown, path: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw configError(path, `must be an integer, not ${describe(value)}`);
  }
  if (value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `between ${min} and ${max}`;
    throw configError(path, `must be ${range}, not ${value}`);
  }
  return value;
}

/** A non-negative number (QPS fields are float32 upstream). */
export function rate(value: unknown, path: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw configError(path, `must be a number, not ${describe(value)}`);
  }
  if (value < 0) throw configError(path, `must not be negative, not ${value}`);
  return value;
}

export function boolean(value: unknown, path: string): boolean {
  if (typeof value !== "boolean") throw configError(path, `must be true or false, not ${describe(value)}`);
  return value;
}

export function string(value: unknown, path: string): string {
  if (typeof value !== "string") throw configError(path, `must be a string, not ${describe(value)}`);
  return value;
}

export function oneOf<T extends string>(value: unknown, path: string, allowed: readonly T[]): T {
  if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
    throw configError(path, `must be ${allowed.join(" or ")}, not ${describe(value)}`);
  }
  return value as T;
}

/** A Go duration string, in milliseconds, at least `minMs`. */
export function duration(value: unknown, path: string, minMs: number): number {
  if (typeof value !== "string") {
    throw configError(path, `must be a duration string such as "10s", not ${describe(value)}`);
  }
  let ms: number;
  try {
    ms = parseGoDuration(value);
  } catch {
    throw configError(
      path,
      `bad duration ${JSON.stringify(value)} (use a Go duration such as "10s" or "5m0s")`,
    );
  }
  if (ms < minMs) throw configError(path, `must be at least ${minMs} ms, not ${JSON.stringify(value)}`);
  return ms;
}

/** A quantity as a string (numbers are accepted, as "1"), checked non-negative; returns the text. */
export function quantityText(value: unknown, path: string): { text: string; quantity: Quantity } {
  if (typeof value !== "string" && typeof value !== "number") {
    throw configError(path, `must be a quantity such as "100Mi", not ${describe(value)}`);
  }
  const text = String(value);
  let quantity: Quantity;
  try {
    quantity = Quantity.parse(text);
  } catch {
    throw configError(path, `bad quantity ${JSON.stringify(text)}`);
  }
  if (quantity.sign() < 0) throw configError(path, `must not be negative, not ${JSON.stringify(text)}`);
  return { text, quantity };
}

export function mapping(value: unknown, path: string): Readonly<Record<string, unknown>> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw configError(path, `must be a mapping, not ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

/** Resources that systemReserved and kubeReserved may name. */
export const RESERVABLE_RESOURCES = ["cpu", "memory", "ephemeral-storage", "pid"] as const;

/** systemReserved / kubeReserved: known resource names, non-negative quantities. */
export function reservation(value: unknown, path: string): Readonly<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(mapping(value, path))) {
    const at = `${path}[${JSON.stringify(name)}]`;
    if (!(RESERVABLE_RESOURCES as readonly string[]).includes(name)) {
      throw configError(at, `unknown resource (known: ${RESERVABLE_RESOURCES.join(", ")})`);
    }
    out[name] = quantityText(raw, at).text;
  }
  return Object.freeze(out);
}

/** kubelet eviction signals berth understands (pkg/kubelet/eviction/api). */
export const EVICTION_SIGNALS = [
  "memory.available",
  "nodefs.available",
  "nodefs.inodesFree",
  "imagefs.available",
  "imagefs.inodesFree",
  "pid.available",
] as const;

/** A known eviction signal, else a Config error at `path`. */
export function evictionSignal(signal: string, path: string): string {
  if (!(EVICTION_SIGNALS as readonly string[]).includes(signal)) {
    throw configError(path, `unknown eviction signal (known: ${EVICTION_SIGNALS.join(", ")})`);
  }
  return signal;
}

/** evictionHard, evictionSoft, evictionMinimumReclaim: known signals, each a non-negative quantity or a percentage in [0%, 100%]. */
export function evictionThresholds(value: unknown, path: string): Readonly<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [signal, raw] of Object.entries(mapping(value, path))) {
    const at = `${path}[${JSON.stringify(signal)}]`;
    evictionSignal(signal, at);
    if (typeof raw === "string" && raw.endsWith("%")) {
      const pct = /^(\d+(?:\.\d+)?)%$/.exec(raw);
      if (pct === null || Number(pct[1]) > 100) {
        throw configError(at, `bad percentage ${JSON.stringify(raw)} (use 0% to 100%)`);
      }
      out[signal] = raw;
    } else {
      out[signal] = quantityText(raw, at).text;
    }
  }
  return Object.freeze(out);
}

/** An IP address, or "0.0.0.0". */
export function ipAddress(value: unknown, path: string): string {
  const text = string(value, path);
  if (isIP(text) === 0) throw configError(path, `must be an IP address, not ${JSON.stringify(text)}`);
  return text;
}
