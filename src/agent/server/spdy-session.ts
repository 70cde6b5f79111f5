/**
 * The server side of one SPDY/3.1 session on an upgraded connection (apimachinery:
 * util/httpstream/spdy over moby/spdystream), shared by /portForward and by /exec and /attach for
 * clients that do not speak WebSocket. The client opens streams (odd ids) with SYN_STREAM and
 * names them in its header block; the session answers each with SYN_REPLY (with FIN when the
 * handler refuses it), hands the stream's bytes to its consumer as they arrive, and writes what the
 * server sends as data frames, FIN closing one direction. PING from the client is echoed; GOAWAY
 * (either side's) refuses new streams and ends the connection once the open ones are closed.
 *
 * Flow control: the session gives the client's window back (WINDOW_UPDATE for each stream and for
 * the session, once half of the 64 KiB window is used), but does not wait for the client's windows
 * before it sends: Kubernetes' client (spdystream) neither sends nor honours WINDOW_UPDATE, and a
 * sender that waited for one would stop after 64 KiB. What the server sends is paced by the
 * connection instead: a writer that gets false from write() waits for onDrain. A consumer that
 * cannot take more stops the whole connection from being read until it resumes.
 */
import type { Duplex } from "node:stream";
import { constants as zlibConstants, createInflate, type Inflate } from "node:zlib";
import {
  dataFrame,
  dataFrameHeader,
  FLAG_FIN,
  FLAG_UNIDIRECTIONAL,
  FrameReader,
  FrameType,
  GoAwayStatus,
  goAwayFrame,
  INITIAL_WINDOW,
  MAX_FRAME_PAYLOAD,
  parseHeaderBlock,
  RstStatus,
  rstStreamFrame,
  StoredHeaderEncoder,
  synReplyFrame,
  windowUpdateFrame,
  controlFrame,
} from "../../common/spdy-framing.js";
import { spdyDictionary } from "./spdy-dictionary.js";

/** The Upgrade token of Kubernetes' SPDY connections. */
export const SPDY_UPGRADE = "SPDY/3.1";
/** Consumed bytes are given back once this much of a window is used. */
const WINDOW_UPDATE_AT = INITIAL_WINDOW / 2;
/** Data payloads smaller than this are copied behind their header rather than written apart. */
const COPY_BELOW = 4096;
/** Bytes kept for a stream nobody consumes yet before the connection stops being read. */
const PENDING_LIMIT = 1024 * 1024;

/** Small frames (a reply, a status) go out at once; bulk data is written in large pieces anyway. */
export function setNoDelay(socket: Duplex): void {
  (socket as Duplex & { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
}

/** Takes what the client sends on one stream. */
export interface StreamConsumer {
  /** Bytes from the client; false stops reading the connection until the stream's resumeInput(). */
  data(chunk: Buffer): boolean | void;
  /** The client half-closed the stream (FIN). */
  end(): void;
}

export interface SpdySessionOptions {
  /**
   * A stream the client opened; false refuses it (its reply carries FIN). The handler may write
   * at once: frames wait for the reply.
   */
  readonly onStream: (stream: SpdyStream) => boolean;
  /** The connection is gone; every stream is closed. */
  readonly onClose?: () => void;
  /** The client broke the protocol; the session has ended the connection. */
  readonly onProtocolError?: (reason: string) => void;
}

/** One stream of a session: headers, the client's bytes through consume(), the server's through write(). */
export class SpdyStream {
  readonly id: number;
  readonly headers: ReadonlyMap<string, string>;
  readonly #session: SpdySession;
  #consumer: StreamConsumer | undefined;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #pendingEnd = false;
  #held = false;
  #unacked = 0;
  #replied = false;
  #early: Buffer[] = [];
  #localEnded: boolean;
  #remoteEnded: boolean;
  #closed = false;
  readonly #onClose: ((reset: boolean) => void)[] = [];

  constructor(session: SpdySession, id: number, headers: ReadonlyMap<string, string>, flags: number) {
    this.#session = session;
    this.id = id;
    this.headers = headers;
    this.#remoteEnded = (flags & FLAG_FIN) !== 0;
    this.#localEnded = (flags & FLAG_UNIDIRECTIONAL) !== 0;
  }

  /** The header's value (names are lower case on the wire). */
  header(name: string): string | undefined {
    return this.headers.get(name.toLowerCase());
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Starts taking the client's bytes; what arrived before is handed over first. */
  consume(consumer: StreamConsumer): void {
    this.#consumer = consumer;
    const pending = this.#pending;
    this.#pending = [];
    this.#pendingBytes = 0;
    if (this.#held) this.resumeInput();
    for (const chunk of pending) this.#deliver(chunk);
    if (this.#pendingEnd) consumer.end();
  }

  /** Reading resumes once no stream holds the connection. */
  resumeInput(): void {
    if (!this.#held) return;
    this.#held = false;
    this.#session.release();
  }

  /** Sends bytes; false when the connection's buffer is full (wait for onDrain before more). */
  write(chunk: Uint8Array): boolean {
    if (this.#localEnded || this.#closed || chunk.length === 0) return true;
    if (this.#replied && chunk.length <= MAX_FRAME_PAYLOAD) return this.#session.sendData(this.id, chunk);
    let ok = true;
    for (let at = 0; at < chunk.length; at += MAX_FRAME_PAYLOAD) {
      const piece =
        at === 0 && chunk.length <= MAX_FRAME_PAYLOAD ? chunk : chunk.subarray(at, at + MAX_FRAME_PAYLOAD);
      ok = this.#send(dataFrame(this.id, 0, piece));
    }
    return ok;
  }

  /** Half-closes the server's direction (FIN), with an optional last piece. */
  end(chunk?: Uint8Array): void {
    if (this.#localEnded || this.#closed) return;
    if (chunk !== undefined && chunk.length > 0 && chunk.length <= MAX_FRAME_PAYLOAD) {
      this.#localEnded = true;
      this.#send(dataFrame(this.id, FLAG_FIN, chunk));
    } else {
      if (chunk !== undefined) this.write(chunk);
      this.#localEnded = true;
      this.#send(dataFrame(this.id, FLAG_FIN, Buffer.alloc(0)));
    }
    if (this.#remoteEnded) this.#finish(false);
  }

  /** Closes both directions at once (RST_STREAM). */
  reset(status: number = RstStatus.cancel): void {
    if (this.#closed) return;
    this.#send(rstStreamFrame(this.id, status));
    this.#finish(true);
  }

  /** Called once when the stream is closed: by both FINs, a reset by either side, or the end of the session. */
  onClose(listener: (reset: boolean) => void): void {
    if (this.#closed) listener(true);
    else this.#onClose.push(listener);
  }

  /** Called once when the connection can take more. */
  onDrain(listener: () => void): void {
    this.#session.whenDrained(listener);
  }

  // ---- called by the session ----

  replied(): void {
    this.#replied = true;
    const early = this.#early;
    this.#early = [];
    for (const frame of early) this.#session.send(frame);
  }

  received(chunk: Buffer, fin: boolean): void {
    if (this.#closed || this.#remoteEnded) return;
    if (chunk.length > 0) {
      this.#unacked += chunk.length;
      if (this.#unacked >= WINDOW_UPDATE_AT) {
        this.#session.send(windowUpdateFrame(this.id, this.#unacked));
        this.#unacked = 0;
      }
      if (this.#consumer !== undefined) this.#deliver(chunk);
      else {
        this.#pending.push(chunk);
        this.#pendingBytes += chunk.length;
        if (this.#pendingBytes > PENDING_LIMIT) this.#hold();
      }
    }
    if (fin) {
      this.#remoteEnded = true;
      if (this.#consumer !== undefined) this.#consumer.end();
      else this.#pendingEnd = true;
      if (this.#localEnded) this.#finish(false);
    }
  }

  /** The client reset the stream, or the session ended. */
  closedBySession(): void {
    this.#finish(true);
  }

  #deliver(chunk: Buffer): void {
    if ((this.#consumer as StreamConsumer).data(chunk) === false) this.#hold();
  }

  #hold(): void {
    if (this.#held) return;
    this.#held = true;
    this.#session.hold();
  }

  #send(frame: Buffer): boolean {
    if (this.#replied) return this.#session.send(frame);
    this.#early.push(frame);
    return true;
  }

  #finish(reset: boolean): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#localEnded = true;
    this.#remoteEnded = true;
    this.resumeInput();
    this.#session.forget(this.id);
    for (const listener of this.#onClose.splice(0)) listener(reset);
  }
}

/** Inflates the client's header blocks: one zlib stream per session, with the SPDY dictionary. */
class HeaderInflater {
  readonly #inflate: Inflate = createInflate({ dictionary: spdyDictionary() });
  readonly #chunks: Buffer[] = [];
  #error: unknown;

  constructor() {
    this.#inflate.on("data", (c: Buffer) => this.#chunks.push(c));
    this.#inflate.on("error", (err) => (this.#error = err));
  }

  inflate(block: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.#inflate.write(block);
      this.#inflate.flush(zlibConstants.Z_SYNC_FLUSH, () => {
        if (this.#error !== undefined) return reject(this.#error as Error);
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

type Backlogged =
  | { readonly control: true; readonly type: number; readonly flags: number; readonly payload: Buffer }
  | { readonly control: false; readonly streamId: number; readonly chunk: Buffer; readonly fin: boolean };

export class SpdySession {
  readonly #socket: Duplex;
  readonly #options: SpdySessionOptions;
  readonly #reader: FrameReader;
  readonly #inflater = new HeaderInflater();
  readonly #encoder = new StoredHeaderEncoder();
  readonly #streams = new Map<number, SpdyStream>();
  /** Frames that arrived while a header block was being inflated, in order. */
  #backlog: Backlogged[] | undefined;
  #lastClientStream = 0;
  #unacked = 0;
  #holds = 0;
  #drainWaiters: (() => void)[] = [];
  #goneAway = false;
  #closed = false;

  constructor(socket: Duplex, options: SpdySessionOptions) {
    this.#socket = socket;
    this.#options = options;
    this.#reader = new FrameReader({
      control: (type, flags, payload) =>
        this.#backlog === undefined
          ? this.#control(type, flags, payload)
          : this.#backlog.push({ control: true, type, flags, payload }),
      data: (streamId, chunk, fin) =>
        this.#backlog === undefined
          ? this.#data(streamId, chunk, fin)
          : this.#backlog.push({ control: false, streamId, chunk, fin }),
      badFrame: (reason) => this.#protocolError(reason),
    });
  }

  /** Starts reading the connection; head is what was read past the upgrade request. */
  start(head: Buffer = Buffer.alloc(0)): void {
    const socket = this.#socket;
    socket.on("data", (chunk: Buffer) => this.#reader.push(chunk));
    socket.on("close", () => this.#close());
    socket.on("error", () => this.#close());
    socket.on("drain", () => {
      const waiters = this.#drainWaiters;
      this.#drainWaiters = [];
      for (const waiter of waiters) waiter();
    });
    if (head.length > 0) this.#reader.push(head);
  }

  get streamCount(): number {
    return this.#streams.size;
  }

  /** Sends GOAWAY: no new streams; the connection ends once the open ones are closed. */
  goAway(status: number = GoAwayStatus.ok): void {
    if (!this.#goneAway) {
      this.#goneAway = true;
      this.send(goAwayFrame(this.#lastClientStream, status));
    }
    if (this.#streams.size === 0) this.#end();
  }

  /** Sends GOAWAY and ends the connection now, after what is already written. */
  close(): void {
    if (this.#closed) return;
    if (!this.#goneAway) {
      this.#goneAway = true;
      this.send(goAwayFrame(this.#lastClientStream, GoAwayStatus.ok));
    }
    this.#end();
  }

  // ---- used by streams ----

  send(frame: Buffer): boolean {
    if (this.#closed || this.#socket.destroyed || this.#socket.writableEnded) return true;
    return this.#socket.write(frame);
  }

  /**
   * A data frame whose payload is not copied: header and payload are corked into one write
   * (the TLS layer gathers them into its records). Small payloads are cheaper copied.
   */
  sendData(streamId: number, payload: Uint8Array): boolean {
    if (payload.length < COPY_BELOW) return this.send(dataFrame(streamId, 0, payload));
    const socket = this.#socket;
    if (this.#closed || socket.destroyed || socket.writableEnded) return true;
    socket.cork();
    socket.write(dataFrameHeader(streamId, 0, payload.length));
    const ok = socket.write(payload);
    socket.uncork();
    return ok;
  }

  whenDrained(listener: () => void): void {
    if (this.#closed || !this.#socket.writableNeedDrain) listener();
    else this.#drainWaiters.push(listener);
  }

  hold(): void {
    if (this.#holds++ === 0) this.#socket.pause();
  }

  release(): void {
    if (this.#holds > 0 && --this.#holds === 0 && !this.#closed) this.#socket.resume();
  }

  forget(streamId: number): void {
    this.#streams.delete(streamId);
    if (this.#goneAway && this.#streams.size === 0) this.#end();
  }

  // ---- frames ----

  #data(streamId: number, chunk: Buffer, fin: boolean): void {
    if (chunk.length > 0) {
      this.#unacked += chunk.length;
      if (this.#unacked >= WINDOW_UPDATE_AT) {
        this.send(windowUpdateFrame(0, this.#unacked));
        this.#unacked = 0;
      }
    }
    // Data for a stream that is unknown or already closed is dropped, as spdystream does.
    this.#streams.get(streamId)?.received(chunk, fin);
  }

  #control(type: number, flags: number, payload: Buffer): void {
    switch (type) {
      case FrameType.synStream:
        return this.#synStream(flags, payload);
      case FrameType.rstStream:
        if (payload.length >= 4) this.#streams.get(payload.readUInt32BE(0) & 0x7fffffff)?.closedBySession();
        return;
      case FrameType.ping:
        // The client's pings have odd ids; the session sends none of its own.
        if (payload.length >= 4 && (payload.readUInt32BE(0) & 1) === 1) {
          this.send(controlFrame(FrameType.ping, 0, payload));
        }
        return;
      case FrameType.goAway:
        this.#goneAway = true;
        if (this.#streams.size === 0) this.#end();
        return;
      default:
        // SYN_REPLY, SETTINGS, WINDOW_UPDATE, HEADERS: nothing to do (see flow control above).
        return;
    }
  }

  #synStream(flags: number, payload: Buffer): void {
    if (payload.length < 10) return this.#protocolError("short SYN_STREAM");
    const streamId = payload.readUInt32BE(0) & 0x7fffffff;
    // Header blocks share one zlib stream: later frames wait until this one is read.
    this.#backlog = [];
    this.#inflater.inflate(payload.subarray(10)).then(
      (block) => {
        let headers: Map<string, string>;
        try {
          headers = parseHeaderBlock(block);
        } catch (err) {
          return this.#protocolError(`bad header block: ${(err as Error).message}`);
        }
        this.#open(streamId, flags, headers);
        this.#drainBacklog();
      },
      (err: unknown) => this.#protocolError(`bad header block: ${(err as Error).message}`),
    );
  }

  #drainBacklog(): void {
    const backlog = this.#backlog ?? [];
    this.#backlog = undefined;
    for (let i = 0; i < backlog.length; i++) {
      const waiting = this.#waiting();
      if (waiting !== undefined) {
        // Another SYN_STREAM is being read: the rest waits behind it.
        waiting.push(...backlog.slice(i));
        return;
      }
      const item = backlog[i] as Backlogged;
      if (item.control) this.#control(item.type, item.flags, item.payload);
      else this.#data(item.streamId, item.chunk, item.fin);
    }
  }

  #waiting(): Backlogged[] | undefined {
    return this.#backlog;
  }

  #open(streamId: number, flags: number, headers: Map<string, string>): void {
    if (this.#closed) return;
    // Client streams have odd ids that only grow (spdystream's check).
    if (streamId % 2 !== 1 || streamId <= this.#lastClientStream) {
      this.send(rstStreamFrame(streamId, RstStatus.protocolError));
      return;
    }
    this.#lastClientStream = streamId;
    if (this.#goneAway) {
      this.send(rstStreamFrame(streamId, RstStatus.refusedStream));
      return;
    }
    const stream = new SpdyStream(this, streamId, headers, flags);
    this.#streams.set(streamId, stream);
    let accepted = false;
    try {
      accepted = this.#options.onStream(stream);
    } finally {
      // Every stream gets a reply, as apimachinery's server sends one; a refused one with FIN.
      this.send(
        synReplyFrame(streamId, this.#encoder.encode(Buffer.from([0, 0, 0, 0])), accepted ? 0 : FLAG_FIN),
      );
      if (accepted) stream.replied();
      else stream.closedBySession();
    }
  }

  #protocolError(reason: string): void {
    if (this.#closed) return;
    this.#options.onProtocolError?.(reason);
    this.#goneAway = true;
    this.send(goAwayFrame(this.#lastClientStream, GoAwayStatus.protocolError));
    this.#end();
  }

  #end(): void {
    if (this.#closed) return;
    this.#socket.end();
    this.#close();
    // Read on to the client's end (and drop it), so a held connection still sees the client go.
    this.#holds = 0;
    this.#socket.resume();
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#backlog = [];
    this.#inflater.close();
    for (const stream of [...this.#streams.values()]) stream.closedBySession();
    for (const waiter of this.#drainWaiters.splice(0)) waiter();
    this.#options.onClose?.();
  }
}
