/**
 * What one Pod Security Standards check is (policy.Check): an id, the level it belongs to, and
 * versions from which a given implementation applies; a restricted check may replace baseline
 * checks it overrides. Checks read the pod's metadata and spec as JSON and name what they refuse
 * in upstream's words.
 */
import { isJsonObject, type JsonObject } from "../../registry/index.js";

export interface CheckResult {
  readonly allowed: boolean;
  /** Short reason ("privileged"); the aggregate lists these. */
  readonly reason?: string;
  /** What exactly, in parentheses after the reason. */
  readonly detail?: string;
}

export const ALLOWED: CheckResult = { allowed: true };

export function refused(reason: string, detail: string): CheckResult {
  return { allowed: false, reason, detail };
}

export interface PodView {
  readonly annotations: Readonly<Record<string, string>>;
  readonly spec: JsonObject;
}

export type CheckFn = (pod: PodView) => CheckResult;

export interface VersionedCheck {
  /** The first v1.minor this implementation applies to. */
  readonly minimumMinor: number;
  readonly check: CheckFn;
  /** Baseline check ids this restricted check replaces. */
  readonly overrides?: readonly string[];
}

export interface Check {
  readonly id: string;
  readonly level: "baseline" | "restricted";
  /** Ascending by minimumMinor. */
  readonly versions: readonly VersionedCheck[];
}

// ---- helpers shared by the checks (policy/helpers.go, visitor.go) ----

export type Container = JsonObject;

/** visitContainers: initContainers, containers, then ephemeralContainers. */
export function containersOf(spec: JsonObject): Container[] {
  const out: Container[] = [];
  for (const field of ["initContainers", "containers", "ephemeralContainers"]) {
    const list = spec[field];
    if (Array.isArray(list)) for (const c of list) if (isJsonObject(c)) out.push(c);
  }
  return out;
}

export function nameOf(c: JsonObject): string {
  return typeof c["name"] === "string" ? c["name"] : "";
}

/** An object-valued field, or undefined. */
export function objectAt(obj: unknown, ...path: string[]): JsonObject | undefined {
  let cur: unknown = obj;
  for (const key of path) cur = isJsonObject(cur) ? cur[key] : undefined;
  return isJsonObject(cur) ? cur : undefined;
}

/** A field's value, or undefined. */
export function valueAt(obj: unknown, ...path: string[]): unknown {
  let cur: unknown = obj;
  for (const key of path) cur = isJsonObject(cur) ? cur[key] : undefined;
  return cur;
}

export function securityContext(c: JsonObject): JsonObject | undefined {
  return objectAt(c, "securityContext");
}

/** joinQuote: `"a", "b"`. */
export function joinQuote(items: readonly string[]): string {
  return items.length === 0 ? "" : `"${items.join('", "')}"`;
}

export function pluralize(singular: string, plural: string, count: number): string {
  return count === 1 ? singular : plural;
}

/** `container "a"` or `containers "a", "b"`. */
export function containersPhrase(names: readonly string[]): string {
  return `${pluralize("container", "containers", names.length)} ${joinQuote(names)}`;
}

/** Distinct values in byte order (sets.String.List). */
export function sortedSet(values: Iterable<string>): string[] {
  return [...new Set(values)].sort();
}

/** Go's %q for the strings checks quote (annotation values). */
export function goQuote(text: string): string {
  return JSON.stringify(text);
}

/** `pod and containers "a"` + suffix: who set a forbidden value. */
export function settersDetail(
  setters: readonly string[],
  containers: readonly string[],
  suffix: string,
): string {
  const all = [...setters];
  if (containers.length > 0) all.push(containersPhrase(containers));
  return `${all.join(" and ")}${suffix}`;
}

/** From v1.25 the Linux-only restricted checks let a pod whose spec.os.name is windows pass. */
export function exceptWindows(check: CheckFn): CheckFn {
  return (pod) => (valueAt(pod.spec, "os", "name") === "windows" ? ALLOWED : check(pod));
}
