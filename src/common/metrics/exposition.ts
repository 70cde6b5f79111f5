/**
 * The Prometheus text exposition format (version 0.0.4), as Kubernetes components' registries write it:
 * HELP and TYPE lines, then one sample per line; label values escaped; numbers in Go's shortest
 * form ("+Inf" for infinity).
 */

/** The Content-Type of the text format, as client_golang serves it. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** Label value escaping: backslash, double quote and newline. */
export function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === "\n" ? "\\n" : `\\${c}`));
}

export function formatNumber(value: number): string {
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}

/** `{a="1",b="2"}` from names and values in order; "" without labels. */
export function formatLabels(names: readonly string[], values: readonly string[]): string {
  if (names.length === 0) return "";
  return `{${names.map((n, i) => `${n}="${escapeLabelValue(values[i] ?? "")}"`).join(",")}}`;
}

export type MetricType = "counter" | "gauge" | "histogram";

/** component-base's stability levels, which Kubernetes components print before each help text. */
export type Stability = "ALPHA" | "BETA" | "STABLE";

/** The header of one metric family. Kubernetes components' help texts carry the stability level first. */
export function header(name: string, help: string, type: MetricType, stability: Stability = "ALPHA"): string {
  return `# HELP ${name} [${stability}] ${help}\n# TYPE ${name} ${type}\n`;
}
