/**
 * /portForward/{namespace}/{pod} over SPDY/3.1 (kubelet: cri/streaming/portforward/httpstream.go,
 * protocol portforward.k8s.io), on the session of spdy-session.ts. The client opens a pair of
 * streams per connection, named by the headers streamType (error or data), port and requestID; the
 * agent connects the data stream to the port inside the pod's network namespace through the
 * runtime, reports a failure as text on the error stream, and closes both streams when the
 * connection ends. kubectl 1.31+ tunnels this protocol in WebSocket; the API server ends the
 * tunnel and speaks SPDY here. Plain WebSocket clients: port-forward-ws.ts. Loaded on the first
 * port-forward.
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { IPod } from "kubernetes-models/v1";
import { BerthError, ErrorCode, errorMessage, type Logger } from "../../common/index.js";
import type { ContainerRuntime } from "../../runtime/index.js";
import { sandboxIdOf } from "./pod-lookup.js";
import { setNoDelay, SPDY_UPGRADE, SpdySession, type SpdyStream } from "./spdy-session.js";

export const PORT_FORWARD_PROTOCOL = "portforward.k8s.io";

export interface PortForwardDeps {
  readonly runtime: Pick<ContainerRuntime, "portForward" | "listPodSandboxes">;
  readonly pod: IPod;
  readonly log: Logger;
}

/** The two streams of one forwarded connection, paired by requestID. */
interface Pair {
  error?: SpdyStream;
  data?: SpdyStream;
  started?: boolean;
}

export function servePortForward(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  deps: PortForwardDeps,
  _query: URLSearchParams,
): void {
  const upgrade = String(req.headers.upgrade ?? "").toLowerCase();
  const protocols = String(req.headers["x-stream-protocol-version"] ?? "")
    .split(",")
    .map((p) => p.trim());
  if (upgrade !== SPDY_UPGRADE.toLowerCase() || !protocols.includes(PORT_FORWARD_PROTOCOL)) {
    throw new BerthError(
      ErrorCode.BadRequest,
      `port-forward needs an ${SPDY_UPGRADE} upgrade with protocol ${PORT_FORWARD_PROTOCOL}`,
    );
  }
  socket.write(
    `HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: ${SPDY_UPGRADE}\r\nX-Stream-Protocol-Version: ${PORT_FORWARD_PROTOCOL}\r\n\r\n`,
  );
  setNoDelay(socket);
  new PortForwardSession(socket, deps).start(head);
}

class PortForwardSession {
  readonly #deps: PortForwardDeps;
  readonly #session: SpdySession;
  readonly #pairs = new Map<string, Pair>();
  #sandbox: Promise<string> | undefined;

  constructor(socket: Duplex, deps: PortForwardDeps) {
    this.#deps = deps;
    this.#session = new SpdySession(socket, {
      onStream: (stream) => this.#open(stream),
      onProtocolError: (reason) => deps.log.debug({ reason }, "port-forward session broke the SPDY protocol"),
    });
  }

  start(head: Buffer): void {
    this.#session.start(head);
  }

  #open(stream: SpdyStream): boolean {
    const type = stream.header("streamType");
    if (type !== "error" && type !== "data") return false;
    // Clients older than requestID open the data stream right after its error stream.
    const requestId = stream.header("requestID") ?? String(type === "error" ? stream.id : stream.id - 2);
    const pair = this.#pairs.get(requestId) ?? {};
    this.#pairs.set(requestId, pair);
    pair[type] = stream;
    stream.onClose(() => {
      if (pair.error?.closed !== false && pair.data?.closed !== false) this.#pairs.delete(requestId);
    });
    if (pair.error !== undefined && pair.data !== undefined && pair.started !== true) {
      pair.started = true;
      void this.#connect(pair.error, pair.data);
    }
    return true;
  }

  async #connect(error: SpdyStream, data: SpdyStream): Promise<void> {
    const text = data.header("port") ?? "";
    const port = Number(text);
    let connection: Duplex;
    try {
      if (!/^\d+$/.test(text) || port <= 0 || port > 65535) {
        throw new BerthError(ErrorCode.BadRequest, `invalid port ${JSON.stringify(text)}`);
      }
      this.#sandbox ??= sandboxIdOf(this.#deps.runtime, this.#deps.pod);
      connection = await this.#deps.runtime.portForward(await this.#sandbox, port);
    } catch (err) {
      this.#fail(error, data, port, err);
      return;
    }
    if (data.closed) {
      connection.destroy();
      return;
    }
    // The pod's bytes to the client, paced by the client's connection.
    const resume = () => connection.resume();
    connection.on("data", (chunk: Buffer) => {
      if (!data.write(chunk)) {
        connection.pause();
        data.onDrain(resume);
      }
    });
    connection.on("end", () => {
      data.end();
      error.end();
    });
    connection.on("error", (err) => this.#fail(error, data, port, err));
    connection.on("close", () => {
      data.end();
      error.end();
    });
    // The client's bytes to the pod, paced by the pod's connection.
    connection.on("drain", () => data.resumeInput());
    data.consume({
      data: (chunk) => connection.write(chunk),
      end: () => connection.end(),
    });
    data.onClose((reset) => {
      if (reset) connection.destroy();
    });
  }

  #fail(error: SpdyStream, data: SpdyStream, port: number, err: unknown): void {
    const pod = this.#deps.pod.metadata?.name ?? "";
    this.#deps.log.debug({ port, pod, err: errorMessage(err) }, "port-forward connection failed");
    error.end(Buffer.from(`error forwarding port ${port} to pod ${pod}: ${errorMessage(err)}`));
    data.end();
  }
}
