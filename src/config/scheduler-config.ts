/**
 * `berth scheduler`'s configuration, resolved once from its flags (kube-scheduler's flag names):
 * the kubeconfig and leader election through the kube-system/kube-scheduler Lease by default.
 */
import { hostname } from "node:os";
import { randomUUID } from "node:crypto";
import { BerthError, ErrorCode } from "../common/errors.js";
import { parseGoDuration } from "./duration.js";

// kube-scheduler --leader-elect* defaults (component-base LeaderElectionConfiguration)
export const SCHEDULER_LEADER_ELECT = true;
export const SCHEDULER_LEASE_DURATION_MS = 15_000;
export const SCHEDULER_RENEW_DEADLINE_MS = 10_000;
export const SCHEDULER_RETRY_PERIOD_MS = 2_000;
export const SCHEDULER_LEASE_NAMESPACE = "kube-system";
export const SCHEDULER_LEASE_NAME = "kube-scheduler";

export interface SchedulerFlags {
  readonly kubeconfig?: string;
  readonly leaderElect?: string;
  readonly leaseDuration?: string;
  readonly renewDeadline?: string;
  readonly retryPeriod?: string;
  readonly resourceName?: string;
  readonly resourceNamespace?: string;
  readonly logLevel?: string;
}

export interface SchedulerConfig {
  readonly kubeconfig: string;
  readonly logLevel: string;
  readonly leaderElection:
    | {
        readonly identity: string;
        readonly namespace: string;
        readonly name: string;
        readonly leaseDurationMs: number;
        readonly renewDeadlineMs: number;
        readonly retryPeriodMs: number;
      }
    | undefined;
}

function duration(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  try {
    return parseGoDuration(text);
  } catch (err) {
    throw new BerthError(ErrorCode.Config, `--${flag}: ${String((err as Error).message)}`);
  }
}

/** Validated, every default filled; the identity is hostname_uuid as kube-scheduler makes it. */
export function resolveSchedulerConfig(
  flags: SchedulerFlags,
  env: Readonly<Record<string, string | undefined>> = {},
): SchedulerConfig {
  if (!flags.kubeconfig) throw new BerthError(ErrorCode.Config, "--kubeconfig is required");
  const elect = flags.leaderElect ?? String(SCHEDULER_LEADER_ELECT);
  if (elect !== "true" && elect !== "false") {
    throw new BerthError(
      ErrorCode.Config,
      `--leader-elect must be true or false, not ${JSON.stringify(elect)}`,
    );
  }
  return Object.freeze({
    kubeconfig: flags.kubeconfig,
    logLevel: flags.logLevel ?? env["BERTH_LOG_LEVEL"] ?? "info",
    leaderElection:
      elect === "false"
        ? undefined
        : Object.freeze({
            identity: `${hostname()}_${randomUUID()}`,
            namespace: flags.resourceNamespace ?? SCHEDULER_LEASE_NAMESPACE,
            name: flags.resourceName ?? SCHEDULER_LEASE_NAME,
            leaseDurationMs: duration(
              "leader-elect-lease-duration",
              flags.leaseDuration,
              SCHEDULER_LEASE_DURATION_MS,
            ),
            renewDeadlineMs: duration(
              "leader-elect-renew-deadline",
              flags.renewDeadline,
              SCHEDULER_RENEW_DEADLINE_MS,
            ),
            retryPeriodMs: duration(
              "leader-elect-retry-period",
              flags.retryPeriod,
              SCHEDULER_RETRY_PERIOD_MS,
            ),
          }),
  });
}
