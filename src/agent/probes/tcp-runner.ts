/** tcpSocket: a connection opened within the timeout is a success (probe/tcp DoTCPProbe). */
import { connect } from "node:net";
import { dialErrorText, dialTimeoutText } from "./dial-error.js";
import { joinHostPort } from "./handler.js";
import { failure, success, type ProbeOutcome } from "./outcome.js";

export function runTcpProbe(host: string, port: number, timeoutMs: number): Promise<ProbeOutcome> {
  const addr = joinHostPort(host, port);
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const finish = (outcome: ProbeOutcome): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => finish(failure(dialTimeoutText(addr))), timeoutMs);
    socket.once("connect", () => finish(success()));
    socket.once("error", (err) => finish(failure(dialErrorText(err, addr))));
  });
}
