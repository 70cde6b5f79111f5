/** What one run of a probe handler answers (kubelet: probe.Result with its output). */
export type ProbeResult = "success" | "warning" | "failure" | "unknown";

export interface ProbeOutcome {
  readonly result: ProbeResult;
  /** The handler's output: the failure text for events, the body or command output otherwise. */
  readonly output: string;
}

export function success(output = ""): ProbeOutcome {
  return { result: "success", output };
}

export function failure(output: string): ProbeOutcome {
  return { result: "failure", output };
}
