/**
 * The node's task limit and task count for the pid.available signal (kubelet: stats/pidlimit).
 * The limit is the smaller of kernel.pid_max and kernel.threads-max, both system-wide limits on
 * tasks; the count is every task the kernel has (processes and threads), the total after the "/"
 * in the fourth field of /proc/loadavg ("0.52 0.58 0.59 2/474 17511": 474), which the kernel keeps
 * up to date and which costs one small read instead of a walk of /proc.
 */
import { BerthError, ErrorCode } from "../../common/errors.js";

/** The total number of tasks in /proc/loadavg's "running/total" field. */
export function taskCountFromLoadavg(text: string): number {
  const fields = text.trim().split(/\s+/);
  if (fields.length < 5) {
    throw new BerthError(ErrorCode.Invalid, `not enough fields in /proc/loadavg: ${JSON.stringify(text)}`);
  }
  const match = /^\d+\/(\d+)$/.exec(fields[3] ?? "");
  if (match === null) {
    throw new BerthError(
      ErrorCode.Invalid,
      `fourth field of /proc/loadavg is not running/total: ${JSON.stringify(fields[3])}`,
    );
  }
  return Number(match[1]);
}

/** The smaller of the limits that parse (kubelet: min of pid_max and threads-max); undefined when none does. */
export function taskLimit(...contents: readonly (string | undefined)[]): number | undefined {
  let limit: number | undefined;
  for (const text of contents) {
    const value = text === undefined ? Number.NaN : Number(text.trim());
    if (!(Number.isSafeInteger(value) && value >= 0 && text?.trim() !== "")) continue;
    if (limit === undefined || value < limit) limit = value;
  }
  return limit;
}
