/**
 * Container logs in the CRI format, read through Docker's log API.
 *
 * Why the API and not a CRI-format file kept by the adapter: Docker already stores every line
 * with a nanosecond timestamp in its json-file log (rotated, and kept until the container is
 * removed, so previous attempts stay readable by their own ids). Converting its output on demand
 * needs no per-container pump in the agent, loses nothing while the agent is down or restarting,
 * and keeps one copy of the logs on disk. The API gives tail, follow and since natively; with
 * `timestamps=true` each message arrives as "<RFC3339Nano> <content>", one stdcopy frame per
 * message (stdout and stderr apart), and a message without a trailing newline is a partial line
 * (Docker splits lines longer than 16 KiB), which maps onto CRI's "P" tag.
 */
import { formatRfc3339Nanos, parseRfc3339Nanos } from "../cri-log.js";
import type { LogLine, LogStream } from "../types.js";
import { BerthError, ErrorCode } from "../../common/index.js";
import { decodeFrames } from "./stdcopy.js";

const NEWLINE = 0x0a;
const SPACE = 0x20;
const CARRIAGE_RETURN = 0x0d;

/** One Docker log message ("<time> <content>[\n]") as a CRI line; undefined when malformed. */
export function messageToLine(stream: LogStream, message: Buffer): LogLine | undefined {
  const space = message.indexOf(SPACE);
  if (space <= 0) return undefined;
  let time: string;
  try {
    time = formatRfc3339Nanos(parseRfc3339Nanos(message.subarray(0, space).toString("latin1")));
  } catch {
    return undefined;
  }
  const full = message[message.length - 1] === NEWLINE;
  const content = message.subarray(space + 1, full ? message.length - 1 : message.length);
  return { time, stream, full, content };
}

function limit(line: LogLine, budget: number): LogLine {
  return line.content.length > budget ? { ...line, content: line.content.subarray(0, budget) } : line;
}

/**
 * Docker's log response body to CRI lines. Without a TTY the body is multiplexed; with one it is
 * the raw text, all of it stdout (as with containerd), split at newlines, "\r\n" line ends dropped.
 */
export async function* dockerLogsToLines(
  body: AsyncIterable<Buffer | string>,
  tty: boolean,
  limitBytes?: number,
): AsyncGenerator<LogLine> {
  let budget = limitBytes ?? Number.POSITIVE_INFINITY;
  if (budget <= 0) return;
  if (!tty) {
    for await (const frame of decodeFrames(body)) {
      if (frame.stream !== "stdout" && frame.stream !== "stderr") continue;
      const line = messageToLine(frame.stream, frame.payload);
      if (!line) continue;
      const out = limit(line, budget);
      budget -= out.content.length;
      yield out;
      if (budget <= 0) return;
    }
    return;
  }
  let pending: Buffer = Buffer.alloc(0);
  const lines = async function* (): AsyncGenerator<Buffer> {
    for await (const chunk of body) {
      pending = Buffer.concat([pending, typeof chunk === "string" ? Buffer.from(chunk) : chunk]);
      let start = 0;
      for (let nl = pending.indexOf(NEWLINE); nl >= 0; nl = pending.indexOf(NEWLINE, start)) {
        yield pending.subarray(start, nl + 1);
        start = nl + 1;
      }
      pending = pending.subarray(start);
    }
    if (pending.length > 0) yield pending;
  };
  for await (const message of lines()) {
    const parsed = messageToLine("stdout", message);
    if (!parsed) continue;
    // A terminal ends lines with "\r\n"; containerd drops both, and so do we.
    const line =
      parsed.full && parsed.content[parsed.content.length - 1] === CARRIAGE_RETURN
        ? { ...parsed, content: parsed.content.subarray(0, parsed.content.length - 1) }
        : parsed;
    const out = limit(line, budget);
    budget -= out.content.length;
    yield out;
    if (budget <= 0) return;
  }
}

const HEADER = 8;
const STDOUT = 1;
const STDERR = 2;
const LAST_STREAM = 3;

/**
 * Whole stdcopy frames at the start of `chunk` as output, in place: the payloads of stdout and
 * stderr frames one after the other. Returns the output and the incomplete frame left at the end.
 */
function framesToOutput(chunk: Buffer): { out: Buffer; rest: Buffer } {
  const b = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length);
  let o = 0;
  let p = 0;
  while (b.length - p >= HEADER) {
    const kind = b[p] ?? 0;
    if (kind > LAST_STREAM) {
      throw new BerthError(ErrorCode.Internal, `docker stream: unknown stream type ${kind} in frame header`);
    }
    const size =
      (b[p + 4] ?? 0) * 0x1000000 + (((b[p + 5] ?? 0) << 16) | ((b[p + 6] ?? 0) << 8) | (b[p + 7] ?? 0));
    if (b.length - p - HEADER < size) break;
    if (kind === STDOUT || kind === STDERR) {
      b.copyWithin(o, p + HEADER, p + HEADER + size);
      o += size;
    }
    p += HEADER + size;
  }
  return { out: chunk.subarray(0, o), rest: chunk.subarray(p) };
}

/**
 * A TTY's raw text as output, in place: "\r\n" line ends become "\n" (as containerd writes a
 * terminal's lines). A "\r" at the very end is held back until the next chunk shows what follows.
 */
function ttyToOutput(chunk: Buffer): { out: Buffer; rest: Buffer } {
  const b = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length);
  let o = 0;
  let p = 0;
  for (;;) {
    const r = b.indexOf(CARRIAGE_RETURN, p);
    if (r < 0 || r === b.length - 1) {
      const end = r < 0 ? b.length : r;
      b.copyWithin(o, p, end);
      o += end - p;
      return { out: chunk.subarray(0, o), rest: chunk.subarray(end) };
    }
    const keep = b[r + 1] === NEWLINE ? r : r + 1;
    b.copyWithin(o, p, keep);
    o += keep - p;
    p = r + 1;
  }
}

/**
 * Docker's log response body, requested without timestamps, as `kubectl logs` output in chunks:
 * the frames' payloads (each a message with its newline, none after a partial one), or a TTY's
 * text with "\r\n" made "\n". Converted in place with Uint8Array builtins, nothing per line.
 */
export async function* dockerLogsToOutput(
  body: AsyncIterable<Buffer | string>,
  tty: boolean,
): AsyncGenerator<Buffer> {
  let rest: Buffer = Buffer.alloc(0);
  for await (const piece of body) {
    const received = typeof piece === "string" ? Buffer.from(piece) : piece;
    const chunk = rest.length > 0 ? Buffer.concat([rest, received]) : received;
    const converted = tty ? ttyToOutput(chunk) : framesToOutput(chunk);
    rest = converted.rest;
    if (converted.out.length > 0) yield converted.out;
  }
  // A TTY's last "\r" stays; an incomplete frame is dropped, as the frame decoder drops it.
  if (tty && rest.length > 0) yield rest;
}
