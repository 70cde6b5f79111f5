/**
 * tcpSocket: a connection opened within the timeout is a success (probe/tcp DoTCPProbe). The
 * signal ends the attempt at once, its socket closed.
 */
import { connect } from "node:net";
import { dialErrorText, dialTimeoutText } from "./dial-error.js";
import { joinHostPort } from "./handler.js";
import { failure, success, type ProbeOutcome } from "./outcome.js";

export function runTcpProbe(
  host: string,
  port: number,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<ProbeOutcome> {
  const addr = joinHostPort(host, port);
  const canceled = (): ProbeOutcome => failure(`dial tcp ${addr}: operation was canceled`);
  if (signal?.aborted) return Promise.resolve(canceled());
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const finish = (outcome: ProbeOutcome): void => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", cancel);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => finish(failure(dialTimeoutText(addr))), timeoutMs);
    const cancel = (): void => finish(canceled());
    signal?.addEventListener("abort", cancel, { once: true });
    socket.once("connect", () => finish(success()));
    socket.once("error", (err) => finish(failure(dialErrorText(err, addr))));
  });
}
