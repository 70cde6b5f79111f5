/**
 * Small in-house histograms and counters for the kubelet's and the API server's metrics: recording is an array index
 * and two additions (nothing is allocated per observation once a label set exists), and the text is
 * rendered only when /metrics is scraped. Semantics as client_golang's: bucket upper bounds are
 * inclusive, the rendered buckets are cumulative, a "+Inf" bucket equals the count.
 */
import { formatLabels, formatNumber, header, type Stability } from "./exposition.js";

/** client_golang: prometheus.DefBuckets. */
export const DEFAULT_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** client_golang: prometheus.ExponentialBuckets(start, factor, count). */
export function exponentialBuckets(start: number, factor: number, count: number): number[] {
  if (!(start > 0 && factor > 1 && count >= 1)) {
    throw new RangeError(`exponential buckets need start > 0, factor > 1, count >= 1`);
  }
  const buckets: number[] = [];
  for (let i = 0, b = start; i < count; i++, b *= factor) buckets.push(b);
  return buckets;
}

interface HistogramSeries {
  readonly values: readonly string[];
  /** Non-cumulative counts per bucket; the last slot is the +Inf bucket. */
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

interface MetricOptions {
  readonly name: string;
  readonly help: string;
  readonly labelNames?: readonly string[];
  /** The stability level the help text starts with; ALPHA unless given. */
  readonly stability?: Stability;
}

function seriesKey(values: readonly string[]): string {
  return values.length === 1 ? (values[0] ?? "") : values.join("\u0000");
}

function checkValues(name: string, labelNames: readonly string[], values: readonly string[]): void {
  if (values.length !== labelNames.length) {
    throw new RangeError(`${name}: ${labelNames.length} label values expected, got ${values.length}`);
  }
}

export class Histogram {
  readonly name: string;
  readonly #help: string;
  readonly #stability: Stability;
  readonly #labelNames: readonly string[];
  readonly #buckets: readonly number[];
  readonly #series = new Map<string, HistogramSeries>();

  constructor(options: MetricOptions & { readonly buckets: readonly number[] }) {
    const { buckets } = options;
    for (let i = 1; i < buckets.length; i++) {
      if (!((buckets[i] ?? 0) > (buckets[i - 1] ?? 0))) {
        throw new RangeError(`${options.name}: buckets must increase`);
      }
    }
    this.name = options.name;
    this.#help = options.help;
    this.#stability = options.stability ?? "ALPHA";
    this.#labelNames = options.labelNames ?? [];
    this.#buckets = buckets;
  }

  /** Records one value (seconds, for the kubelet's durations) under the label values given in order. */
  observe(value: number, ...labelValues: string[]): void {
    const key = seriesKey(labelValues);
    let s = this.#series.get(key);
    if (s === undefined) {
      checkValues(this.name, this.#labelNames, labelValues);
      s = { values: labelValues, counts: new Float64Array(this.#buckets.length + 1), sum: 0, count: 0 };
      this.#series.set(key, s);
    }
    const buckets = this.#buckets;
    let i = 0;
    while (i < buckets.length && value > (buckets[i] ?? 0)) i++;
    s.counts[i] = (s.counts[i] ?? 0) + 1;
    s.sum += value;
    s.count += 1;
  }

  /** The number of observations under the label values (0 when none). */
  count(...labelValues: string[]): number {
    return this.#series.get(seriesKey(labelValues))?.count ?? 0;
  }

  render(): string {
    let out = header(this.name, this.#help, "histogram", this.#stability);
    const names = this.#labelNames;
    const withLe = [...names, "le"];
    for (const s of this.#series.values()) {
      let cumulative = 0;
      for (let i = 0; i <= this.#buckets.length; i++) {
        cumulative += s.counts[i] ?? 0;
        const le = formatNumber(this.#buckets[i] ?? Number.POSITIVE_INFINITY);
        out += `${this.name}_bucket${formatLabels(withLe, [...s.values, le])} ${cumulative}\n`;
      }
      const labels = formatLabels(names, s.values);
      out += `${this.name}_sum${labels} ${formatNumber(s.sum)}\n`;
      out += `${this.name}_count${labels} ${s.count}\n`;
    }
    return out;
  }
}

export class Counter {
  readonly name: string;
  readonly #help: string;
  readonly #stability: Stability;
  readonly #labelNames: readonly string[];
  readonly #series = new Map<string, { values: readonly string[]; value: number }>();

  constructor(options: MetricOptions) {
    this.name = options.name;
    this.#help = options.help;
    this.#stability = options.stability ?? "ALPHA";
    this.#labelNames = options.labelNames ?? [];
  }

  inc(...labelValues: string[]): void {
    const key = seriesKey(labelValues);
    const s = this.#series.get(key);
    if (s !== undefined) {
      s.value += 1;
      return;
    }
    checkValues(this.name, this.#labelNames, labelValues);
    this.#series.set(key, { values: labelValues, value: 1 });
  }

  value(...labelValues: string[]): number {
    return this.#series.get(seriesKey(labelValues))?.value ?? 0;
  }

  /** A counter without labels is rendered as 0 before its first increment, as client_golang does. */
  render(): string {
    let out = header(this.name, this.#help, "counter", this.#stability);
    if (this.#labelNames.length === 0 && this.#series.size === 0) return `${out}${this.name} 0\n`;
    for (const s of this.#series.values()) {
      out += `${this.name}${formatLabels(this.#labelNames, s.values)} ${formatNumber(s.value)}\n`;
    }
    return out;
  }
}
