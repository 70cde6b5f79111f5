/**
 * Go duration strings ("10s", "1m", "5m0s", "1h30m", "250ms", "1.5h"), as KubeletConfiguration's
 * metav1.Duration fields are written, to whole milliseconds and back.
 */
import { BerthError, ErrorCode } from "../common/errors.js";

/** Milliseconds in each Go duration unit (time.ParseDuration's unit table). */
const UNIT_MS: ReadonlyMap<string, number> = new Map([
  ["ns", 1e-6],
  ["us", 1e-3],
  ["µs", 1e-3],
  ["μs", 1e-3],
  ["ms", 1],
  ["s", 1_000],
  ["m", 60_000],
  ["h", 3_600_000],
]);

const TERM = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/**
 * Parses a Go duration into milliseconds, rounded to the nearest millisecond. "0" alone needs no
 * unit, as in Go. Throws a Config error (with `details.duration`) on anything else.
 */
export function parseGoDuration(text: string): number {
  const bad = (why: string) =>
    new BerthError(ErrorCode.Config, `bad duration ${JSON.stringify(text)}: ${why}`, {
      details: { duration: text },
    });
  let s = text;
  let sign = 1;
  if (s.startsWith("-") || s.startsWith("+")) {
    sign = s.startsWith("-") ? -1 : 1;
    s = s.slice(1);
  }
  if (s === "0") return 0;
  if (s === "") throw bad('expected a number and a unit, such as "10s" or "5m0s"');
  let total = 0;
  TERM.lastIndex = 0;
  while (TERM.lastIndex < s.length) {
    const start = TERM.lastIndex;
    const m = TERM.exec(s);
    if (m === null) {
      const rest = s.slice(start);
      throw bad(
        /^\d/.test(rest) || rest.startsWith(".")
          ? "missing or unknown unit (use ns, us, ms, s, m or h)"
          : `unexpected ${JSON.stringify(rest)}`,
      );
    }
    const unit = UNIT_MS.get(m[2] ?? "");
    if (unit === undefined) throw bad("unknown unit");
    total += Number(m[1]) * unit;
  }
  if (!Number.isFinite(total) || total > Number.MAX_SAFE_INTEGER) throw bad("out of range");
  return sign * Math.round(total);
}

/** Formats milliseconds as Go's Duration.String does ("10s", "5m0s", "1h0m0s", "250ms"). */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return "0s";
  const negative = ms < 0;
  let rest = Math.abs(ms);
  let out: string;
  if (rest < 1_000) {
    out = `${rest}ms`;
  } else {
    const hours = Math.floor(rest / 3_600_000);
    rest -= hours * 3_600_000;
    const minutes = Math.floor(rest / 60_000);
    rest -= minutes * 60_000;
    const seconds = rest / 1_000;
    const secondsText = `${Number.isInteger(seconds) ? seconds : seconds.toFixed(3).replace(/0+$/, "")}s`;
    if (hours > 0) out = `${hours}h${minutes}m${secondsText}`;
    else if (minutes > 0) out = `${minutes}m${secondsText}`;
    else out = secondsText;
  }
  return negative ? `-${out}` : out;
}
