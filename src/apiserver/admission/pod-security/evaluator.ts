/**
 * Evaluates a pod against a level and version (policy.Evaluator, policy.AggregateCheckResults):
 * baseline checks in id order, then for restricted the restricted checks in id order, a restricted
 * check replacing the baseline checks it overrides. A version newer than the newest check version
 * (and "latest") is evaluated as that newest version.
 */
import type { Check, CheckResult, PodView, VersionedCheck } from "./check.js";
import { HOST_CHECKS } from "./checks-host.js";
import { PRIVILEGE_CHECKS } from "./checks-privilege.js";
import { PROFILE_CHECKS } from "./checks-profiles.js";
import { USER_CHECKS } from "./checks-users.js";
import type { LevelVersion } from "./levels.js";

export const DEFAULT_CHECKS: readonly Check[] = [
  ...HOST_CHECKS,
  ...PRIVILEGE_CHECKS,
  ...PROFILE_CHECKS,
  ...USER_CHECKS,
];

export interface AggregateResult {
  readonly allowed: boolean;
  /** "allowPrivilegeEscalation != false, unrestricted capabilities" (ForbiddenReason). */
  readonly reason: string;
  /** Each reason with its detail in parentheses (ForbiddenDetail). */
  readonly detail: string;
}

export function aggregate(results: readonly CheckResult[]): AggregateResult {
  const failed = results.filter((r) => !r.allowed);
  const reasons = failed.map((r) =>
    r.reason === undefined || r.reason === "" ? "unknown forbidden reason" : r.reason,
  );
  const details = failed.map((r, i) =>
    r.detail === undefined || r.detail === "" ? reasons[i] : `${reasons[i]} (${r.detail})`,
  );
  return { allowed: failed.length === 0, reason: reasons.join(", "), detail: details.join(", ") };
}

function byId(a: Check, b: Check): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export class Evaluator {
  /** The newest v1.minor any check has an implementation for. */
  readonly maxMinor: number;
  private readonly baseline: readonly Check[];
  private readonly restricted: readonly Check[];

  constructor(checks: readonly Check[] = DEFAULT_CHECKS) {
    this.maxMinor = Math.max(...checks.map((c) => c.versions.at(-1)?.minimumMinor ?? 0));
    this.baseline = checks.filter((c) => c.level === "baseline").sort(byId);
    this.restricted = checks.filter((c) => c.level === "restricted").sort(byId);
  }

  private static at(check: Check, minor: number): VersionedCheck | undefined {
    let found: VersionedCheck | undefined;
    for (const v of check.versions) if (v.minimumMinor <= minor) found = v;
    return found;
  }

  /** The checks that apply at a level and version, in evaluation order. */
  checksFor(lv: LevelVersion): VersionedCheck[] {
    if (lv.level === "privileged") return [];
    const minor = lv.version.latest ? this.maxMinor : Math.min(lv.version.minor, this.maxMinor);
    const restricted =
      lv.level === "restricted"
        ? this.restricted.map((c) => Evaluator.at(c, minor)).filter((v) => v !== undefined)
        : [];
    const overridden = new Set(restricted.flatMap((v) => v.overrides ?? []));
    const baseline = this.baseline
      .filter((c) => !overridden.has(c.id))
      .map((c) => Evaluator.at(c, minor))
      .filter((v) => v !== undefined);
    return [...baseline, ...restricted];
  }

  evaluate(lv: LevelVersion, pod: PodView): AggregateResult {
    return aggregate(this.checksFor(lv).map((v) => v.check(pod)));
  }
}
