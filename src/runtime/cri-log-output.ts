/**
 * CRI-format log files as `kubectl logs` output, a chunk of entries at a time. The agent runs
 * without a JIT (--jitless), where every JavaScript operation per line costs: entries are found
 * and checked with Uint8Array builtins (indexOf, a few byte comparisons) and their contents moved
 * together in place with copyWithin, so that nothing is allocated or converted to a string per
 * line unless sinceTime asks for each line's time.
 */
import { parseRfc3339Nanos, readCriLogChunks, type ReadCriLogOptions } from "./cri-log.js";
import type { LogOutputOptions } from "./types.js";

const NEWLINE = 0x0a;
const SPACE = 0x20;
const COLON = 0x3a;
const DASH = 0x2d;
const T = 0x54;
const Z = 0x5a;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const F = 0x46;
const P = 0x50;
/** "stdout" and "stderr" share "std". */
const S = 0x73;
const D = 0x64;
/** Shortest and longest RFC 3339 times: "2006-01-02T15:04:05Z", nine digits and "+07:00". */
const TIME_MIN = 20;
const TIME_MAX = 35;

export interface CriOutputOptions {
  readonly timestamps?: boolean;
  readonly sinceTimeNanos?: bigint;
}

/**
 * Converts whole CRI entries (chunk ends at a newline, or is the last entry of a file) into output,
 * in place: the result is the start of `chunk`, never longer. Malformed entries are dropped, as
 * the kubelet skips what it cannot parse.
 */
export function criEntriesToOutput(chunk: Buffer, options: CriOutputOptions = {}): Buffer {
  const b = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length);
  const timestamps = options.timestamps === true;
  const since = options.sinceTimeNanos;
  const length = b.length;
  let o = 0;
  let start = 0;
  // Entries of one file have times of one length: the time's end is looked for only when the
  // byte where the last one ended is not a space.
  let timeLength = 0;
  while (start < length) {
    const lineStart = start;
    let nl = b.indexOf(NEWLINE, start);
    if (nl < 0) nl = length;
    start = nl + 1;
    let timeEnd = lineStart + timeLength;
    // A guess that lands on a space of the stream and tag fields follows a letter, not the
    // time's last character (a digit or "Z").
    const last = b[timeEnd - 1] ?? 0;
    if (
      timeLength === 0 ||
      timeEnd >= nl ||
      b[timeEnd] !== SPACE ||
      !(last === Z || (last >= DIGIT_0 && last <= DIGIT_9))
    ) {
      timeEnd = b.indexOf(SPACE, lineStart);
      if (timeEnd < 0 || timeEnd >= nl) continue;
      timeLength = timeEnd - lineStart;
    }
    // The time's shape (its syntax is read in full only for sinceTime), "stdout" or "stderr",
    // then "F" or "P", maybe with ":"-separated tags.
    if (
      timeLength < TIME_MIN ||
      timeLength > TIME_MAX ||
      b[lineStart + 4] !== DASH ||
      b[lineStart + 10] !== T ||
      b[timeEnd + 1] !== S ||
      b[timeEnd + 2] !== 0x74 ||
      b[timeEnd + 3] !== D
    ) {
      continue;
    }
    const x = b[timeEnd + 4];
    if (x === 0x6f) {
      if (b[timeEnd + 5] !== 0x75 || b[timeEnd + 6] !== 0x74) continue;
    } else if (x !== 0x65 || b[timeEnd + 5] !== 0x72 || b[timeEnd + 6] !== 0x72) continue;
    const streamEnd = timeEnd + 7;
    if (streamEnd >= nl || b[streamEnd] !== SPACE) continue;
    const kind = b[streamEnd + 1];
    if (kind !== F && kind !== P) continue;
    let content = streamEnd + 3;
    if (content - 1 < nl && b[content - 1] !== SPACE) {
      if (b[content - 1] !== COLON) continue;
      const tagEnd = b.indexOf(SPACE, content - 1);
      content = tagEnd < 0 || tagEnd >= nl ? nl : tagEnd + 1;
    }
    if (content > nl) content = nl;
    if (since !== undefined) {
      let nanos: bigint;
      try {
        nanos = parseRfc3339Nanos(chunk.toString("latin1", lineStart, timeEnd));
      } catch {
        continue;
      }
      if (nanos < since) continue;
    }
    if (timestamps) {
      b.copyWithin(o, lineStart, timeEnd + 1);
      o += timeEnd + 1 - lineStart;
    }
    if (kind === F && nl < length) {
      // The content and its own newline, in one move.
      b.copyWithin(o, content, nl + 1);
      o += nl + 1 - content;
    } else {
      b.copyWithin(o, content, nl);
      o += nl - content;
      if (kind === F) b[o++] = NEWLINE;
    }
  }
  return chunk.subarray(0, o);
}

/** A CRI log file as output chunks (see readCriLogChunks for tail, follow and rotation). */
export async function* readCriLogOutput(
  path: string,
  options: LogOutputOptions & Omit<ReadCriLogOptions, "limitBytes"> = {},
): AsyncGenerator<Buffer> {
  const convert: CriOutputOptions = {
    timestamps: options.timestamps === true,
    ...(options.sinceTimeNanos !== undefined ? { sinceTimeNanos: options.sinceTimeNanos } : {}),
  };
  for await (const chunk of readCriLogChunks(path, options)) {
    const out = criEntriesToOutput(chunk, convert);
    if (out.length > 0) yield out;
  }
}
