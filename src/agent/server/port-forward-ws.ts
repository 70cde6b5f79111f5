/**
 * /portForward/{namespace}/{pod} over WebSocket (kubelet: cri/streaming/portforward/websocket.go).
 * The ports are named in the query (port-forward-ports.ts); each port has two channels, data
 * (2i, both ways) and error (2i+1, agent to client only), and the first message on every channel
 * is its port as two little-endian bytes. Every port is one connection into the pod's network
 * namespace through the runtime; a failure is written as text on the port's error channel. When
 * every port's connection has ended the agent closes the WebSocket (the protocol has no
 * half-close). v4.channel.k8s.io (and no subprotocol) carries binary messages whose first byte is
 * the channel; v4.base64.channel.k8s.io carries text messages: the channel as an ASCII digit, then
 * the payload in base64. Loaded on the first such request: it pulls in ws.
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, WebSocket, type RawData } from "ws";
import {
  BerthError,
  ErrorCode,
  errorMessage,
  PORT_FORWARD_WS_PROTOCOL_V4,
  PORT_FORWARD_WS_PROTOCOL_V4_BASE64,
} from "../../common/index.js";
import { sandboxIdOf } from "./pod-lookup.js";
import type { PortForwardDeps } from "./port-forward.js";

/** kubelet: dataChannel and errorChannel, the channels of port i being 2i and 2i+1. */
const DATA_CHANNEL = 0;
const ERROR_CHANNEL = 1;
/** Bytes queued on the WebSocket before the pod's connections wait for them to go out. */
const SEND_HIGH_WATER = 1024 * 1024;

const PROTOCOLS: readonly string[] = [PORT_FORWARD_WS_PROTOCOL_V4, PORT_FORWARD_WS_PROTOCOL_V4_BASE64];

const wss = new WebSocketServer({
  noServer: true,
  perMessageDeflate: false,
  handleProtocols: (offered) => PROTOCOLS.find((p) => offered.has(p)) ?? false,
});

/** True when the request offers no subprotocol, or one of the port-forward ones. */
export function offersPortForwardProtocol(req: IncomingMessage): boolean {
  const offered = String(req.headers["sec-websocket-protocol"] ?? "")
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "");
  return offered.length === 0 || offered.some((p) => PROTOCOLS.includes(p));
}

/** How one protocol puts a channel and its payload into a message and takes them out. */
interface Codec {
  encode(channel: number, payload: Buffer): Buffer | string;
  decode(message: Buffer): { channel: number; payload: Buffer } | undefined;
}

const BINARY: Codec = {
  encode: (channel, payload) => Buffer.concat([Buffer.from([channel]), payload]),
  decode: (message) =>
    message.length === 0 ? undefined : { channel: message[0] ?? 0, payload: message.subarray(1) },
};

/** kubelet wsstream base64Codec: '0' + channel, then base64. */
const BASE64: Codec = {
  encode: (channel, payload) => String.fromCharCode(0x30 + channel) + payload.toString("base64"),
  decode: (message) =>
    message.length === 0
      ? undefined
      : {
          channel: (message[0] ?? 0x30) - 0x30,
          payload: Buffer.from(message.subarray(1).toString("latin1"), "base64"),
        },
};

/** Upgrades the request and forwards its ports; throws (before answering) on a bad query or protocol. */
export function servePortForwardWebSocket(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  deps: PortForwardDeps,
  ports: readonly number[],
): void {
  if (!offersPortForwardProtocol(req)) {
    throw new BerthError(
      ErrorCode.BadRequest,
      `port-forward: offer the WebSocket protocol ${PROTOCOLS.join(" or ")}`,
    );
  }
  wss.handleUpgrade(req, socket, head, (ws) => {
    const codec = ws.protocol === PORT_FORWARD_WS_PROTOCOL_V4_BASE64 ? BASE64 : BINARY;
    new WebSocketPortForward(ws, codec, ports, deps).start();
  });
}

/** One port of the session: its connection into the pod once open, and the client's bytes before. */
interface Forward {
  readonly index: number;
  readonly port: number;
  connection?: Duplex;
  readonly early: Buffer[];
  done: boolean;
}

class WebSocketPortForward {
  readonly #ws: WebSocket;
  readonly #codec: Codec;
  readonly #deps: PortForwardDeps;
  readonly #forwards: Forward[];
  #sandbox: Promise<string> | undefined;
  #paused = false;

  constructor(ws: WebSocket, codec: Codec, ports: readonly number[], deps: PortForwardDeps) {
    this.#ws = ws;
    this.#codec = codec;
    this.#deps = deps;
    this.#forwards = ports.map((port, index) => ({ index, port, early: [], done: false }));
  }

  start(): void {
    const ws = this.#ws;
    for (const f of this.#forwards) {
      const prefix = Buffer.alloc(2);
      prefix.writeUInt16LE(f.port);
      this.#send(2 * f.index + DATA_CHANNEL, prefix);
      this.#send(2 * f.index + ERROR_CHANNEL, prefix);
    }
    ws.on("message", (data: RawData) => this.#received(toBuffer(data)));
    ws.on("close", () => {
      for (const f of this.#forwards) {
        f.done = true;
        f.connection?.destroy();
      }
    });
    ws.on("error", (err) =>
      this.#deps.log.debug({ err: errorMessage(err) }, "port-forward WebSocket failed"),
    );
    for (const f of this.#forwards) void this.#connect(f);
  }

  #received(message: Buffer): void {
    const decoded = this.#codec.decode(message);
    if (decoded === undefined) return;
    // Only the data channels are read; anything else is dropped, as wsstream does.
    const f = decoded.channel % 2 === DATA_CHANNEL ? this.#forwards[decoded.channel / 2] : undefined;
    if (f === undefined || f.done || decoded.payload.length === 0) return;
    if (f.connection === undefined) {
      f.early.push(decoded.payload);
      return;
    }
    if (!f.connection.write(decoded.payload)) this.#ws.pause();
  }

  async #connect(f: Forward): Promise<void> {
    let connection: Duplex;
    try {
      this.#sandbox ??= sandboxIdOf(this.#deps.runtime, this.#deps.pod);
      connection = await this.#deps.runtime.portForward(await this.#sandbox, f.port);
    } catch (err) {
      this.#fail(f, err);
      return;
    }
    if (f.done) {
      connection.destroy();
      return;
    }
    f.connection = connection;
    for (const chunk of f.early.splice(0)) connection.write(chunk);
    connection.on("data", (chunk: Buffer) => this.#send(2 * f.index + DATA_CHANNEL, chunk, connection));
    connection.on("drain", () => this.#ws.resume());
    connection.on("error", (err) => this.#fail(f, err));
    // The pod ended its side: nothing more can be said on a channel that cannot half-close.
    connection.on("end", () => {
      connection.end();
      this.#finish(f);
    });
    connection.on("close", () => this.#finish(f));
  }

  /** Sends one message; a pod connection waits while much is still unsent. */
  #send(channel: number, payload: Buffer, from?: Duplex): void {
    const ws = this.#ws;
    if (ws.readyState !== WebSocket.OPEN) return;
    ws.send(this.#codec.encode(channel, payload), { binary: this.#codec === BINARY }, () => {
      if (this.#paused && ws.bufferedAmount <= SEND_HIGH_WATER) {
        this.#paused = false;
        for (const f of this.#forwards) f.connection?.resume();
      }
    });
    if (from !== undefined && ws.bufferedAmount > SEND_HIGH_WATER) {
      this.#paused = true;
      from.pause();
    }
  }

  #fail(f: Forward, err: unknown): void {
    if (f.done) return;
    const pod = this.#deps.pod.metadata;
    const message = `error forwarding port ${f.port} to pod ${pod?.name ?? ""}, uid ${pod?.uid ?? ""}: ${errorMessage(err)}`;
    this.#deps.log.debug(
      { port: f.port, pod: pod?.name, err: errorMessage(err) },
      "port-forward connection failed",
    );
    this.#send(2 * f.index + ERROR_CHANNEL, Buffer.from(message));
    f.connection?.destroy();
    this.#finish(f);
  }

  /** A port is done; once all are, the session ends (kubelet: the handler returns and closes the connection). */
  #finish(f: Forward): void {
    f.done = true;
    if (this.#forwards.every((x) => x.done) && this.#ws.readyState === WebSocket.OPEN) this.#ws.close(1000);
  }
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
