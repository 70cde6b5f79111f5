/**
 * Why the runtime keeps the node from being Ready, worded as the kubelet words it (runtime.go,
 * kubelet.go updateRuntimeUp): no errors means ready.
 */
import type { ContainerRuntime, RuntimeCondition } from "../../runtime/index.js";

/** kubelet: the error when the runtime cannot be asked (its "runtime is down"). */
export const RUNTIME_DOWN_MESSAGE = "container runtime is down";

function describeCondition(c: RuntimeCondition): string {
  return `${c.type}=${String(c.status)} reason:${c.reason} message:${c.message}`;
}

/** The runtime errors that make the node NotReady, from one runtime.status() answer. */
export function runtimeErrorsOf(conditions: readonly RuntimeCondition[]): string[] {
  const errors: string[] = [];
  const runtime = conditions.find((c) => c.type === "RuntimeReady");
  const network = conditions.find((c) => c.type === "NetworkReady");
  if (runtime === undefined) errors.push("container runtime not ready: RuntimeReady condition is missing");
  else if (!runtime.status) errors.push(`container runtime not ready: ${describeCondition(runtime)}`);
  if (network === undefined)
    errors.push("container runtime network not ready: NetworkReady condition is missing");
  else if (!network.status) errors.push(`container runtime network not ready: ${describeCondition(network)}`);
  return errors;
}

/** Asks the runtime; a failed call is the runtime being down. */
export async function checkRuntime(runtime: ContainerRuntime): Promise<string[]> {
  try {
    return runtimeErrorsOf((await runtime.status()).conditions);
  } catch {
    return [RUNTIME_DOWN_MESSAGE];
  }
}

/** utilerrors aggregate wording: one error as itself, several as "[a, b]". */
export function aggregateMessage(errors: readonly string[]): string {
  return errors.length === 1 ? (errors[0] ?? "") : `[${errors.join(", ")}]`;
}
