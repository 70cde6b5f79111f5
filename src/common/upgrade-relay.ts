/**
 * An HTTP upgrade (WebSocket or SPDY/3.1) relayed to another server, as Kubernetes'
 * UpgradeAwareHandler relays it: the request goes on with the caller's headers, and after the
 * server's 101 the two connections are joined byte for byte, so every streaming protocol reaches
 * the client unchanged. A server that answers without upgrading has its answer relayed and the
 * client's connection closed. The API server relays to agents this way, and the agent to a
 * runtime's own streaming server.
 */
import type { ClientRequest, IncomingMessage, OutgoingHttpHeaders, RequestOptions } from "node:http";
import type { Duplex } from "node:stream";

export interface UpgradeRelayOptions {
  /** The request to the server, from node:http's or node:https's `request`. */
  readonly open: (options: RequestOptions) => ClientRequest;
  readonly options: RequestOptions;
  /** A stream that ended with an error, for the caller's debug log. */
  readonly onStreamError?: (err: Error) => void;
}

/**
 * Resolves once the client has the server's answer, with its status code (101 when upgraded);
 * rejects when the server is unreachable.
 */
export function relayUpgrade(socket: Duplex, head: Buffer, relay: UpgradeRelayOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    const upstream = relay.open(relay.options);
    upstream.on("upgrade", (serverRes: IncomingMessage, serverSocket: Duplex, serverHead: Buffer) => {
      socket.write(responseHead(serverRes));
      if (serverHead.length > 0) socket.write(serverHead);
      if (head.length > 0) serverSocket.write(head);
      setNoDelay(serverSocket);
      setNoDelay(socket);
      serverSocket.pipe(socket);
      socket.pipe(serverSocket);
      const close = (err?: Error) => {
        if (err) relay.onStreamError?.(err);
        serverSocket.destroy();
        socket.destroy();
      };
      serverSocket.on("error", close);
      socket.on("error", close);
      serverSocket.on("close", () => {
        // The client's side may be paused by the pipe (the server was slower than the client):
        // read it on to its end, or a client that is gone is never noticed.
        socket.unpipe(serverSocket);
        socket.resume();
        socket.end();
      });
      socket.on("close", () => serverSocket.destroy());
      resolve(101);
    });
    upstream.on("response", (serverRes: IncomingMessage) => {
      const chunks: Buffer[] = [];
      serverRes.on("data", (c: Buffer) => chunks.push(c));
      serverRes.on("end", () => {
        const body = Buffer.concat(chunks);
        const code = serverRes.statusCode ?? 502;
        const type = serverRes.headers["content-type"] ?? "text/plain";
        socket.end(
          `HTTP/1.1 ${code} ${serverRes.statusMessage ?? ""}\r\nContent-Type: ${type}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body.toString("latin1")}`,
          "latin1",
        );
        resolve(code);
      });
    });
    upstream.on("error", reject);
    upstream.end();
  });
}

/**
 * The request headers to send on: the client's, each line kept apart (a Go server reads
 * X-Stream-Protocol-Version line by line), without the caller's credentials and the hop-by-hop
 * ones, with the server's Host.
 */
export function relayedHeaders(req: IncomingMessage, host: string): OutgoingHttpHeaders {
  const out: Record<string, string | string[]> = {};
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] ?? "").toLowerCase();
    const value = raw[i + 1] ?? "";
    if (DROPPED_HEADERS.has(name)) continue;
    const seen = out[name];
    out[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  // A string: node:https takes the TLS server name from it.
  out["host"] = host;
  return out;
}

/** Request headers never sent on: the caller's own credentials, and hop-by-hop ones. */
const DROPPED_HEADERS = new Set([
  "authorization",
  "host",
  "proxy-authorization",
  "keep-alive",
  "te",
  "trailer",
  "transfer-encoding",
]);

/** The raw head of an HTTP response, to write on a socket taken over by an upgrade. */
function responseHead(res: IncomingMessage): string {
  const lines = [`HTTP/1.1 ${res.statusCode ?? 502} ${res.statusMessage ?? ""}`];
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2)
    lines.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
  return `${lines.join("\r\n")}\r\n\r\n`;
}

function setNoDelay(socket: Duplex): void {
  (socket as Duplex & { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
}
