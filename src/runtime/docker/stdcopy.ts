/**
 * Docker's multiplexed stream format (stdcopy), used by logs, attach and exec of containers
 * without a TTY: frames of an 8-byte header [stream, 0, 0, 0, size as uint32 big-endian] and a
 * payload. Decoded here frame by frame, because for logs a frame is exactly one log message.
 */
import { BerthError, ErrorCode } from "../../common/index.js";

export type FrameStream = "stdin" | "stdout" | "stderr" | "system";

export interface Frame {
  readonly stream: FrameStream;
  readonly payload: Buffer;
}

const HEADER = 8;
const STREAMS: readonly FrameStream[] = ["stdin", "stdout", "stderr", "system"];

/** Incremental decoder: push chunks as they arrive, take the complete frames. */
export class FrameDecoder {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const frames: Frame[] = [];
    let offset = 0;
    while (this.pending.length - offset >= HEADER) {
      const kind = this.pending[offset] as number;
      const stream = STREAMS[kind];
      if (stream === undefined) {
        throw new BerthError(
          ErrorCode.Internal,
          `docker stream: unknown stream type ${kind} in frame header`,
        );
      }
      const size = this.pending.readUInt32BE(offset + 4);
      if (this.pending.length - offset - HEADER < size) break;
      frames.push({ stream, payload: this.pending.subarray(offset + HEADER, offset + HEADER + size) });
      offset += HEADER + size;
    }
    this.pending = this.pending.subarray(offset);
    return frames;
  }

  /** Bytes of an incomplete frame left over at the end of the stream. */
  get leftover(): number {
    return this.pending.length;
  }
}

export async function* decodeFrames(source: AsyncIterable<Buffer | string>): AsyncGenerator<Frame> {
  const decoder = new FrameDecoder();
  for await (const chunk of source) {
    yield* decoder.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  }
}

/** One frame, as the daemon writes it (for tests and for feeding stdin-less tools). */
export function encodeFrame(stream: FrameStream, payload: Buffer): Buffer {
  const header = Buffer.alloc(HEADER);
  header[0] = STREAMS.indexOf(stream);
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}
