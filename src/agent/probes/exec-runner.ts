/**
 * exec: the command runs in the container through the runtime with the probe's timeout; exit 0
 * is a success, any other exit a failure with the command's output, a timeout a failure
 * (probe/exec, with the ExecProbeTimeout behaviour the kubelet has by default).
 */
import { ErrorCode, hasCode } from "../../common/index.js";
import type { ContainerRuntime } from "../../runtime/index.js";
import { PROBE_MAX_OUTPUT_BYTES } from "./constants.js";
import { failure, success, type ProbeOutcome } from "./outcome.js";

/** How long past the probe's timeout the agent waits for a runtime that does not answer. */
const EXEC_TIMEOUT_MARGIN_MS = 2_000;

export type ExecRuntime = Pick<ContainerRuntime, "execSync">;

/** `command "sh -c sleep 10" timed out` (the CRI runner's TimeoutError text). */
export function execTimeoutText(command: readonly string[]): string {
  return `command ${JSON.stringify(command.join(" "))} timed out`;
}

function isTimeout(err: unknown): boolean {
  return hasCode(err, ErrorCode.DeadlineExceeded) || hasCode(err, ErrorCode.Timeout);
}

/** Runs the command; resolves with its exit code and combined output, or rejects with the runtime's error. */
export async function execInContainer(
  runtime: ExecRuntime,
  containerId: string,
  command: readonly string[],
  timeoutSeconds: number,
): Promise<{ exitCode: number; output: string } | "timeout"> {
  let timer: NodeJS.Timeout | undefined;
  const guard =
    timeoutSeconds > 0
      ? new Promise<"timeout">((resolve) => {
          timer = setTimeout(() => resolve("timeout"), timeoutSeconds * 1000 + EXEC_TIMEOUT_MARGIN_MS);
        })
      : undefined;
  try {
    const run = runtime.execSync(containerId, command, timeoutSeconds).then(
      (r) => {
        const output = Buffer.concat([r.stdout, r.stderr])
          .subarray(0, PROBE_MAX_OUTPUT_BYTES)
          .toString("utf8");
        return { exitCode: r.exitCode, output };
      },
      (err: unknown) => {
        if (isTimeout(err)) return "timeout" as const;
        throw err;
      },
    );
    return await (guard === undefined ? run : Promise.race([run, guard]));
  } finally {
    clearTimeout(timer);
  }
}

export async function runExecProbe(
  runtime: ExecRuntime,
  containerId: string,
  command: readonly string[],
  timeoutSeconds: number,
): Promise<ProbeOutcome> {
  const r = await execInContainer(runtime, containerId, command, timeoutSeconds);
  if (r === "timeout") return failure(execTimeoutText(command));
  return r.exitCode === 0 ? success(r.output) : failure(r.output);
}
