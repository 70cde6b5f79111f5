/**
 * /portForward/{namespace}/{pod} over SPDY/3.1 (kubelet: cri/streaming/portforward/httpstream.go,
 * protocol portforward.k8s.io). After the upgrade the client opens a pair of streams per
 * connection, named by headers streamType (error or data), port and requestID; the agent answers
 * each SYN_STREAM, connects the data stream to the port inside the pod's network namespace
 * through the runtime, and reports a failure as text on the error stream. kubectl first offers the
 * WebSocket tunnel of the same protocol; the agent answers that with 400, and kubectl falls back to
 * SPDY. Loaded on the first port-forward.
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { constants as zlibConstants, createInflate, type Inflate } from "node:zlib";
import type { IPod } from "kubernetes-models/v1";
import { BerthError, ErrorCode, errorMessage, type Logger } from "../../common/index.js";
import {
  controlFrame,
  dataFrame,
  FLAG_FIN,
  FrameParser,
  FrameType,
  HeaderCompressor,
  type Frame,
} from "../../common/spdy-framing.js";
import type { ContainerRuntime } from "../../runtime/index.js";
import { spdyDictionary } from "./spdy-dictionary.js";

export const PORT_FORWARD_PROTOCOL = "portforward.k8s.io";
export const SPDY_UPGRADE = "SPDY/3.1";
/** SPDY/3.1: the initial flow-control window; consumed bytes are given back at once. */
const WINDOW_UPDATE_AT = 32 * 1024;

export interface PortForwardDeps {
  readonly runtime: Pick<ContainerRuntime, "portForward" | "listPodSandboxes">;
  readonly pod: IPod;
  readonly log: Logger;
}

/** Inflates the peer's header blocks: one zlib stream per session, with the SPDY dictionary. */
class HeaderInflater {
  readonly #inflate: Inflate = createInflate({ dictionary: spdyDictionary() });
  readonly #chunks: Buffer[] = [];
  constructor() {
    this.#inflate.on("data", (c: Buffer) => this.#chunks.push(c));
    this.#inflate.on("error", () => undefined);
  }
  inflate(block: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.#inflate.write(block, (err) => err && reject(err));
      this.#inflate.flush(zlibConstants.Z_SYNC_FLUSH, () => {
        const out = Buffer.concat(this.#chunks);
        this.#chunks.length = 0;
        resolve(out);
      });
    });
  }
  close(): void {
    this.#inflate.close();
  }
}

/** The SPDY/3 name/value block: names lower case, values may hold several parts split by NUL. */
export function parseHeaderBlock(block: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let at = 0;
  const take = (): string => {
    const len = block.readUInt32BE(at);
    const text = block.subarray(at + 4, at + 4 + len).toString("utf8");
    at += 4 + len;
    return text;
  };
  const count = block.readUInt32BE(0);
  at = 4;
  for (let i = 0; i < count; i++) {
    const name = take().toLowerCase();
    out.set(name, take().split("\0")[0] ?? "");
  }
  return out;
}

interface Pair {
  errorStream?: number;
  dataStream?: number;
  port?: number;
  connection?: Duplex;
}

async function sandboxOf(deps: PortForwardDeps): Promise<string> {
  const uid = deps.pod.metadata?.uid ?? "";
  const sandboxes = await deps.runtime.listPodSandboxes({
    state: "ready",
    labelSelector: { "io.kubernetes.pod.uid": uid },
  });
  const found = sandboxes[0];
  if (found === undefined) {
    throw new BerthError(ErrorCode.Conflict, `pod "${deps.pod.metadata?.name ?? ""}" has no running sandbox`);
  }
  return found.id;
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
  new PortForwardSession(socket, deps).start(head);
}

class PortForwardSession {
  readonly #parser = new FrameParser();
  readonly #inflater = new HeaderInflater();
  readonly #compressor = new HeaderCompressor();
  readonly #pairs = new Map<string, Pair>();
  readonly #streams = new Map<number, { requestId: string; type: string }>();
  readonly #unacked = new Map<number, number>();
  /** Data that arrived before its connection was made, and streams the client already ended. */
  readonly #pendingData = new Map<number, Buffer[]>();
  readonly #pendingEnd = new Set<number>();
  #queue: Promise<void> = Promise.resolve();
  #sandbox: Promise<string> | undefined;
  #closed = false;

  constructor(
    private readonly socket: Duplex,
    private readonly deps: PortForwardDeps,
  ) {}

  start(head: Buffer): void {
    const onData = (chunk: Buffer) => {
      for (const frame of this.#parser.push(chunk)) {
        // Header blocks share one zlib stream: frames are handled strictly in order.
        this.#queue = this.#queue.then(() => this.#frame(frame)).catch((err: unknown) => this.#fail(err));
      }
    };
    this.socket.on("data", onData);
    this.socket.on("close", () => this.#close());
    this.socket.on("error", () => this.#close());
    if (head.length > 0) onData(head);
  }

  #send(frame: Buffer): void {
    if (!this.#closed && !this.socket.destroyed) this.socket.write(frame);
  }

  #fail(err: unknown): void {
    this.deps.log.debug({ err: errorMessage(err) }, "port-forward session failed");
    this.socket.destroy();
    this.#close();
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const pair of this.#pairs.values()) pair.connection?.destroy();
    this.#inflater.close();
    this.#compressor.close();
  }

  async #frame(frame: Frame): Promise<void> {
    if (!frame.control) return this.#data(frame.streamId, frame.flags, frame.payload);
    switch (frame.type) {
      case FrameType.synStream: {
        const streamId = frame.payload.readUInt32BE(0) & 0x7fffffff;
        const headers = parseHeaderBlock(await this.#inflater.inflate(frame.payload.subarray(10)));
        await this.#open(streamId, headers);
        return;
      }
      case FrameType.rstStream: {
        const streamId = frame.payload.readUInt32BE(0) & 0x7fffffff;
        const s = this.#streams.get(streamId);
        if (s !== undefined) this.#pairs.get(s.requestId)?.connection?.destroy();
        return;
      }
      case FrameType.ping:
        this.#send(controlFrame(FrameType.ping, 0, frame.payload));
        return;
      case FrameType.goAway:
        this.socket.end();
        return;
      default:
        // SETTINGS, WINDOW_UPDATE, HEADERS: nothing to answer.
        return;
    }
  }

  async #open(streamId: number, headers: Map<string, string>): Promise<void> {
    const type = headers.get("streamtype") ?? "";
    const requestId = headers.get("requestid") ?? String(streamId);
    const port = Number(headers.get("port"));
    // Every stream is answered, as the kubelet's httpstream server does.
    const reply = Buffer.alloc(4);
    reply.writeUInt32BE(streamId);
    const block = await this.#compressor.compress(Buffer.from([0, 0, 0, 0]));
    this.#send(controlFrame(FrameType.synReply, 0, Buffer.concat([reply, block])));
    this.#streams.set(streamId, { requestId, type });
    const pair = this.#pairs.get(requestId) ?? {};
    this.#pairs.set(requestId, pair);
    if (type === "error") pair.errorStream = streamId;
    else if (type === "data") {
      pair.dataStream = streamId;
      pair.port = port;
    } else {
      this.#send(this.#rst(streamId));
      return;
    }
    if (pair.dataStream !== undefined && pair.errorStream !== undefined && pair.connection === undefined) {
      void this.#connect(requestId, pair);
    }
  }

  #rst(streamId: number): Buffer {
    const payload = Buffer.alloc(8);
    payload.writeUInt32BE(streamId, 0);
    payload.writeUInt32BE(1, 4); // PROTOCOL_ERROR
    return controlFrame(FrameType.rstStream, 0, payload);
  }

  async #connect(requestId: string, pair: Pair): Promise<void> {
    const dataStream = pair.dataStream as number;
    const errorStream = pair.errorStream as number;
    const port = pair.port ?? 0;
    try {
      if (!Number.isInteger(port) || port <= 0 || port > 65535) {
        throw new BerthError(ErrorCode.BadRequest, `invalid port ${String(pair.port)}`);
      }
      this.#sandbox ??= sandboxOf(this.deps);
      const connection = await this.deps.runtime.portForward(await this.#sandbox, port);
      pair.connection = connection;
      connection.on("data", (chunk: Buffer) => this.#send(dataFrame(dataStream, 0, chunk)));
      connection.on("end", () => this.#send(dataFrame(dataStream, FLAG_FIN, Buffer.alloc(0))));
      connection.on("error", (err) => this.#reportError(errorStream, dataStream, port, err));
      connection.on("close", () => this.#pairs.delete(requestId));
      for (const chunk of this.#pendingData.get(dataStream) ?? []) connection.write(chunk);
      this.#pendingData.delete(dataStream);
      if (this.#pendingEnd.delete(dataStream)) connection.end();
    } catch (err) {
      this.#reportError(errorStream, dataStream, port, err);
    }
  }

  #reportError(errorStream: number, dataStream: number, port: number, err: unknown): void {
    const pod = this.deps.pod.metadata?.name ?? "";
    const text = `error forwarding port ${port} to pod ${pod}: ${errorMessage(err)}`;
    this.deps.log.debug({ port, pod, err: errorMessage(err) }, "port-forward connection failed");
    this.#send(dataFrame(errorStream, FLAG_FIN, Buffer.from(text)));
    this.#send(dataFrame(dataStream, FLAG_FIN, Buffer.alloc(0)));
  }

  #data(streamId: number, flags: number, payload: Buffer): void {
    const s = this.#streams.get(streamId);
    if (s === undefined || s.type !== "data") return;
    if (payload.length > 0) {
      const unacked = (this.#unacked.get(streamId) ?? 0) + payload.length;
      if (unacked >= WINDOW_UPDATE_AT) {
        const p = Buffer.alloc(8);
        p.writeUInt32BE(streamId, 0);
        p.writeUInt32BE(unacked, 4);
        this.#send(controlFrame(FrameType.windowUpdate, 0, p));
        this.#unacked.set(streamId, 0);
      } else this.#unacked.set(streamId, unacked);
    }
    const connection = this.#pairs.get(s.requestId)?.connection;
    if (connection === undefined) {
      // The connection is still being made: keep what arrives until it is.
      if (payload.length > 0)
        this.#pendingData.set(streamId, [...(this.#pendingData.get(streamId) ?? []), payload]);
      if (flags & FLAG_FIN) this.#pendingEnd.add(streamId);
      return;
    }
    if (payload.length > 0) connection.write(payload);
    if (flags & FLAG_FIN) connection.end();
  }
}
