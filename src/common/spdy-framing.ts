import { constants as zlibConstants, createDeflate, type Deflate } from "node:zlib";

/**
 * SPDY/3.1 framing (draft-mbelshe-httpbis-spdy), as Kubernetes' streaming protocols use it: the
 * frames, header blocks, a reader that hands data frames on as their bytes arrive, and header
 * block encoders. Every frame has an 8-byte header:
 *   control: 1 | version(15) | type(16) | flags(8) | length(24)
 *   data:    0 | stream id(31)          | flags(8) | length(24)
 */
export const SPDY_VERSION = 3;

export const FrameType = {
  synStream: 1,
  synReply: 2,
  rstStream: 3,
  settings: 4,
  ping: 6,
  goAway: 7,
  headers: 8,
  windowUpdate: 9,
} as const;

export const FLAG_FIN = 0x01;
/** SYN_STREAM: the sender will not receive on this stream. */
export const FLAG_UNIDIRECTIONAL = 0x02;
/** SPDY/3.1: the initial flow-control window of every stream and of the session. */
export const INITIAL_WINDOW = 64 * 1024;

/** RST_STREAM status codes. */
export const RstStatus = {
  protocolError: 1,
  invalidStream: 2,
  refusedStream: 3,
  cancel: 5,
  internalError: 6,
  streamInUse: 8,
  streamAlreadyClosed: 9,
} as const;

/** GOAWAY status codes. */
export const GoAwayStatus = { ok: 0, protocolError: 1, internalError: 2 } as const;

export type Frame =
  | { readonly control: true; readonly type: number; readonly flags: number; readonly payload: Buffer }
  | { readonly control: false; readonly streamId: number; readonly flags: number; readonly payload: Buffer };

/** The largest payload one frame can carry (a 24-bit length). */
export const MAX_FRAME_PAYLOAD = 0xffffff;

export function controlFrame(type: number, flags: number, payload: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(8 + payload.length);
  frame.writeUInt32BE((0x8000 | SPDY_VERSION) * 0x10000 + type, 0);
  frame.writeUInt32BE(flags * 0x1000000 + payload.length, 4);
  payload.copy(frame, 8);
  return frame;
}

/** A data frame: header and payload in one buffer, so it is one write. */
export function dataFrame(streamId: number, flags: number, data: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(8 + data.length);
  frame.writeUInt32BE(streamId & 0x7fffffff, 0);
  frame.writeUInt32BE(flags * 0x1000000 + data.length, 4);
  frame.set(data, 8);
  return frame;
}

/** The 8-byte header of a data frame, for a payload written after it without copying. */
export function dataFrameHeader(streamId: number, flags: number, length: number): Buffer {
  const header = Buffer.allocUnsafe(8); // from the shared pool: no allocation of its own
  header.writeUInt32BE(streamId & 0x7fffffff, 0);
  header.writeUInt32BE(flags * 0x1000000 + length, 4);
  return header;
}

function twoWords(a: number, b: number): Buffer {
  const payload = Buffer.allocUnsafe(8);
  payload.writeUInt32BE(a, 0);
  payload.writeUInt32BE(b, 4);
  return payload;
}

export function rstStreamFrame(streamId: number, status: number): Buffer {
  return controlFrame(FrameType.rstStream, 0, twoWords(streamId & 0x7fffffff, status));
}

/** streamId 0 updates the session's window (SPDY/3.1). */
export function windowUpdateFrame(streamId: number, delta: number): Buffer {
  return controlFrame(FrameType.windowUpdate, 0, twoWords(streamId & 0x7fffffff, delta & 0x7fffffff));
}

export function goAwayFrame(lastGoodStreamId: number, status: number): Buffer {
  return controlFrame(FrameType.goAway, 0, twoWords(lastGoodStreamId & 0x7fffffff, status));
}

/** SYN_REPLY with an already encoded header block; FIN when the stream is refused at once. */
export function synReplyFrame(streamId: number, block: Buffer, flags = 0): Buffer {
  const fixed = Buffer.allocUnsafe(4);
  fixed.writeUInt32BE(streamId & 0x7fffffff, 0);
  return controlFrame(FrameType.synReply, flags, Buffer.concat([fixed, block]));
}

/** The uncompressed SPDY/3 name/value block: count, then length-prefixed names and values. */
export function headerBlock(headers: Readonly<Record<string, string>>): Buffer {
  const parts: Buffer[] = [];
  const entries = Object.entries(headers);
  const count = Buffer.alloc(4);
  count.writeUInt32BE(entries.length);
  parts.push(count);
  for (const [name, value] of entries) {
    for (const text of [name.toLowerCase(), value]) {
      const bytes = Buffer.from(text, "utf8");
      const len = Buffer.alloc(4);
      len.writeUInt32BE(bytes.length);
      parts.push(len, bytes);
    }
  }
  return Buffer.concat(parts);
}

/**
 * The SPDY/3 name/value block of a peer: names in lower case, and of a value holding several parts
 * split by NUL, the first.
 */
export function parseHeaderBlock(block: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let at = 0;
  const take = (): string => {
    if (at + 4 > block.length) throw new RangeError("truncated header block");
    const len = block.readUInt32BE(at);
    if (at + 4 + len > block.length) throw new RangeError("truncated header block");
    const text = block.subarray(at + 4, at + 4 + len).toString("utf8");
    at += 4 + len;
    return text;
  };
  if (block.length < 4) throw new RangeError("truncated header block");
  const count = block.readUInt32BE(0);
  at = 4;
  for (let i = 0; i < count; i++) {
    const name = take().toLowerCase();
    out.set(name, take().split("\0")[0] ?? "");
  }
  return out;
}

const SYNC_FLUSH_MARK = Buffer.from([0x00, 0x00, 0x00, 0xff, 0xff]);

/**
 * Encodes header blocks as one zlib stream per session made of stored (uncompressed) deflate
 * blocks, synchronously and without zlib: a zlib header once, then per block a non-final stored
 * block ended by a sync-flush mark. Any inflater reads it; the blocks a server sends (replies) are
 * a few bytes.
 */
export class StoredHeaderEncoder {
  #started = false;

  encode(block: Buffer): Buffer {
    const parts: Buffer[] = [];
    if (!this.#started) {
      this.#started = true;
      parts.push(Buffer.from([0x78, 0x01])); // deflate, 32 KiB window, no dictionary, level 0
    }
    let at = 0;
    do {
      const piece = block.subarray(at, at + 0xffff);
      const head = Buffer.allocUnsafe(5);
      head[0] = 0; // BFINAL 0, BTYPE 00 (stored)
      head.writeUInt16LE(piece.length, 1);
      head.writeUInt16LE(~piece.length & 0xffff, 3);
      parts.push(head, piece);
      at += 0xffff;
    } while (at < block.length);
    // An empty stored block, as a sync flush ends: it is where a reader hands over what it has
    // (Go's flate reader otherwise reads on for the next block, past the frame).
    parts.push(SYNC_FLUSH_MARK);
    return Buffer.concat(parts);
  }
}

/**
 * Compresses header blocks as one zlib stream per session, each block ending on a sync flush.
 * No preset dictionary is declared in the zlib header, which a SPDY peer's inflater accepts
 * (the dictionary only applies when the stream asks for it).
 */
export class HeaderCompressor {
  private readonly deflate: Deflate = createDeflate();
  private readonly chunks: Buffer[] = [];

  constructor() {
    this.deflate.on("data", (chunk: Buffer) => this.chunks.push(chunk));
  }

  compress(block: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.deflate.write(block, (err) => {
        if (err) reject(err);
      });
      this.deflate.flush(zlibConstants.Z_SYNC_FLUSH, () => {
        const out = Buffer.concat(this.chunks);
        this.chunks.length = 0;
        resolve(out);
      });
    });
  }

  close(): void {
    this.deflate.close();
  }
}

export async function synStreamFrame(
  compressor: HeaderCompressor,
  streamId: number,
  headers: Readonly<Record<string, string>>,
  flags = 0,
): Promise<Buffer> {
  const fixed = Buffer.alloc(10);
  fixed.writeUInt32BE(streamId & 0x7fffffff, 0);
  fixed.writeUInt32BE(0, 4); // associated-to stream
  fixed.writeUInt8(0, 8); // priority (3 bits) and unused
  fixed.writeUInt8(0, 9); // credential slot
  const block = await compressor.compress(headerBlock(headers));
  return controlFrame(FrameType.synStream, flags, Buffer.concat([fixed, block]));
}

/** Where FrameReader delivers what it reads. */
export interface FrameSink {
  /** A whole control frame; payload is the reader's own copy. */
  control(type: number, flags: number, payload: Buffer): void;
  /**
   * The bytes of a data frame as they arrive, without copying: `fin` comes with the frame's last
   * piece (an empty piece for an empty frame).
   */
  data(streamId: number, chunk: Buffer, fin: boolean): void;
  /** A control frame of another SPDY version. */
  badFrame(reason: string): void;
}

/**
 * Reads frames from a byte stream. A data frame's payload is handed on piece by piece as the
 * bytes arrive (subarrays of the chunks read), so a large frame is neither gathered nor copied;
 * control frames, small, are gathered whole.
 */
export class FrameReader {
  readonly #sink: FrameSink;
  readonly #header = Buffer.alloc(8);
  #headerFill = 0;
  /** Bytes of the current frame's payload still to come. */
  #remaining = -1;
  #dataStream = 0;
  #flags = 0;
  #control: Buffer | undefined;
  #controlFill = 0;
  #controlType = 0;

  constructor(sink: FrameSink) {
    this.#sink = sink;
  }

  push(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.#remaining < 0) {
        // The 8-byte frame header, possibly split across chunks.
        if (this.#headerFill === 0 && chunk.length - at >= 8) {
          this.#begin(chunk, at);
          at += 8;
        } else {
          const n = Math.min(8 - this.#headerFill, chunk.length - at);
          chunk.copy(this.#header, this.#headerFill, at, at + n);
          this.#headerFill += n;
          at += n;
          if (this.#headerFill < 8) return;
          this.#headerFill = 0;
          this.#begin(this.#header, 0);
        }
        if (this.#remaining === 0) this.#complete(Buffer.alloc(0));
        continue;
      }
      const n = Math.min(this.#remaining, chunk.length - at);
      const piece = chunk.subarray(at, at + n);
      at += n;
      this.#remaining -= n;
      if (this.#control !== undefined) {
        piece.copy(this.#control, this.#controlFill);
        this.#controlFill += n;
        if (this.#remaining === 0) this.#complete(this.#control);
      } else {
        const last = this.#remaining === 0;
        if (last) this.#remaining = -1;
        this.#sink.data(this.#dataStream, piece, last && (this.#flags & FLAG_FIN) !== 0);
      }
    }
  }

  #begin(source: Buffer, at: number): void {
    const first = source.readUInt32BE(at);
    const second = source.readUInt32BE(at + 4);
    this.#flags = second >>> 24;
    this.#remaining = second & 0xffffff;
    if (first & 0x80000000) {
      this.#controlType = first & 0xffff;
      const version = (first >>> 16) & 0x7fff;
      if (version !== SPDY_VERSION) this.#sink.badFrame(`SPDY version ${version}, not ${SPDY_VERSION}`);
      this.#control = Buffer.allocUnsafe(this.#remaining);
      this.#controlFill = 0;
    } else {
      this.#control = undefined;
      this.#dataStream = first & 0x7fffffff;
    }
  }

  #complete(payload: Buffer): void {
    this.#remaining = -1;
    if (this.#control !== undefined) {
      this.#control = undefined;
      this.#sink.control(this.#controlType, this.#flags, payload);
    } else {
      this.#sink.data(this.#dataStream, payload, (this.#flags & FLAG_FIN) !== 0);
    }
  }
}

/** Splits a byte stream into frames; keeps an incomplete tail for the next push. */
export class FrameParser {
  private buffer: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    const frames: Frame[] = [];
    while (this.buffer.length >= 8) {
      const length = this.buffer.readUIntBE(5, 3);
      if (this.buffer.length < 8 + length) break;
      const flags = this.buffer.readUInt8(4);
      const payload = Buffer.from(this.buffer.subarray(8, 8 + length));
      const first = this.buffer.readUInt32BE(0);
      if (first & 0x80000000) {
        frames.push({ control: true, type: this.buffer.readUInt16BE(2), flags, payload });
      } else {
        frames.push({ control: false, streamId: first & 0x7fffffff, flags, payload });
      }
      this.buffer = this.buffer.subarray(8 + length);
    }
    return frames;
  }
}
