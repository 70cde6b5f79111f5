/**
 * /portForward on a runtime with its own streaming server (containerd's CRI PortForward): the
 * agent asks the runtime for the session's URL and relays the client's upgrade to it byte for
 * byte, SPDY/3.1 or WebSocket, as the kubelet proxies a stream to the CRI streaming server
 * (kubelet server.go getPortForward, proxyStream). The agent's own session (port-forward.ts) then
 * stays out of the data path: it only decrypts and encrypts the client's TLS.
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { BerthError, ErrorCode, errorMessage, type Logger } from "../../common/index.js";
import { relayedHeaders, relayUpgrade } from "../../common/upgrade-relay.js";

export interface PortForwardRelayDeps {
  /** The streaming server's URL for this session, from the runtime. */
  readonly server: string;
  readonly log: Logger;
}

export async function relayPortForward(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  query: URLSearchParams,
  deps: PortForwardRelayDeps,
): Promise<void> {
  const url = new URL(deps.server);
  if (url.protocol !== "http:") {
    throw new BerthError(
      ErrorCode.RuntimeUnavailable,
      `port-forward: the runtime's streaming server ${url.origin} is not plain HTTP on loopback`,
    );
  }
  for (const [k, v] of query) url.searchParams.append(k, v);
  const http = process.getBuiltinModule("node:http");
  try {
    await relayUpgrade(socket, head, {
      open: http.request,
      options: {
        host: url.hostname,
        port: url.port,
        path: `${url.pathname}${url.search}`,
        method: "GET",
        headers: relayedHeaders(req, url.host),
      },
      onStreamError: (err) =>
        deps.log.debug({ err: errorMessage(err) }, "port-forward stream ended with an error"),
    });
  } catch (err) {
    throw new BerthError(
      ErrorCode.RuntimeUnavailable,
      `port-forward: cannot reach the runtime's streaming server: ${errorMessage(err)}`,
      { cause: err },
    );
  }
}
