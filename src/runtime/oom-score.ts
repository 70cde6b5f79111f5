import { readFileSync } from "node:fs";
import type { Logger } from "../common/log.js";

/** Bit of CAP_SYS_RESOURCE in the capability masks of /proc/<pid>/status (linux/capability.h). */
export const CAP_SYS_RESOURCE = 24;

/** The lowest oom_score_adj the kernel accepts (kubelet: qos.KubeletOOMScoreAdj is -999). */
export const OOM_SCORE_ADJ_MIN = -1000;
export const OOM_SCORE_ADJ_MAX = 1000;

/**
 * Whether this process may give containers an oom_score_adj below its own. Without
 * CAP_SYS_RESOURCE the kernel refuses to lower the score (runc then fails while starting the
 * container), so values are raised to the agent's own score, as containerd's
 * `restrict_oom_score_adj` does.
 */
export interface OomScorePolicy {
  readonly canLower: boolean;
  /** The agent's own oom_score_adj: the floor when canLower is false. */
  readonly ownScore: number;
}

/** Reads one capability mask ("CapEff", "CapBnd", ...) from /proc/<pid>/status text. */
export function capabilityMask(procStatus: string, field: string): bigint | undefined {
  for (const line of procStatus.split("\n")) {
    if (!line.startsWith(`${field}:`)) continue;
    const hex = line.slice(field.length + 1).trim();
    if (!/^[0-9a-fA-F]+$/.test(hex)) return undefined;
    return BigInt(`0x${hex}`);
  }
  return undefined;
}

export function hasCapability(procStatus: string, bit: number): boolean {
  const bitMask = 1n << BigInt(bit);
  const effective = capabilityMask(procStatus, "CapEff");
  const bounding = capabilityMask(procStatus, "CapBnd");
  if (effective === undefined || bounding === undefined) return false;
  return (effective & bitMask) !== 0n && (bounding & bitMask) !== 0n;
}

/** Builds the policy from the text of /proc/self/status and /proc/self/oom_score_adj. */
export function oomScorePolicyFrom(procStatus: string, ownScoreText: string): OomScorePolicy {
  const own = Number.parseInt(ownScoreText.trim(), 10);
  return {
    canLower: hasCapability(procStatus, CAP_SYS_RESOURCE),
    ownScore: Number.isFinite(own) ? own : 0,
  };
}

/** Policies already detected, per proc directory: a process's capabilities do not change. */
const detected = new Map<string, OomScorePolicy>();

/**
 * Detects the policy of this process once, at start; later calls return the same answer. Logs
 * once per process when negative scores will be clamped, so an operator knows why pods'
 * oom_score_adj differs from the kubelet's.
 */
export function detectOomScorePolicy(logger?: Logger, procDir = "/proc/self"): OomScorePolicy {
  const known = detected.get(procDir);
  if (known) return known;
  let policy: OomScorePolicy;
  try {
    policy = oomScorePolicyFrom(
      readFileSync(`${procDir}/status`, "utf8"),
      readFileSync(`${procDir}/oom_score_adj`, "utf8"),
    );
  } catch (err) {
    // Not Linux or no procfs: nothing will be able to lower scores either.
    policy = { canLower: false, ownScore: 0 };
    logger?.warn({ err, procDir }, "cannot read process capabilities; assuming no CAP_SYS_RESOURCE");
  }
  detected.set(procDir, policy);
  if (!policy.canLower) {
    logger?.info(
      { ownScore: policy.ownScore },
      "no CAP_SYS_RESOURCE: container oom_score_adj below the agent's own is clamped to it",
    );
  }
  return policy;
}

/** The score to ask the runtime for: within [-1000, 1000] and not below the floor. */
export function clampOomScoreAdj(value: number, policy: OomScorePolicy): number {
  const bounded = Math.min(OOM_SCORE_ADJ_MAX, Math.max(OOM_SCORE_ADJ_MIN, Math.trunc(value)));
  return policy.canLower ? bounded : Math.max(bounded, policy.ownScore);
}
