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
