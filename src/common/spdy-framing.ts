import { constants as zlibConstants, createDeflate, type Deflate } from "node:zlib";

/**
 * The parts of SPDY/3.1 framing (draft-mbelshe-httpbis-spdy) a remote-command client needs:
 * opening streams, data with FIN, answering PING. Every frame has an 8-byte header:
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

export type Frame =
  | { readonly control: true; readonly type: number; readonly flags: number; readonly payload: Buffer }
  | { readonly control: false; readonly streamId: number; readonly flags: number; readonly payload: Buffer };

export function controlFrame(type: number, flags: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
  header.writeUInt16BE(type, 2);
  header.writeUInt8(flags, 4);
  header.writeUIntBE(payload.length, 5, 3);
  return Buffer.concat([header, payload]);
}

export function dataFrame(streamId: number, flags: number, data: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(streamId & 0x7fffffff, 0);
  header.writeUInt8(flags, 4);
  header.writeUIntBE(data.length, 5, 3);
  return Buffer.concat([header, data]);
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
