import { watch, type FSWatcher } from "node:fs";
import { open, stat, type FileHandle } from "node:fs/promises";
import { BerthError, ErrorCode, isNotFound } from "../common/errors.js";
import type { LogLine, LogOptions, LogStream } from "./types.js";

/**
 * The CRI container log format, written by containerd (and by berth's Docker adapter) and read
 * by the agent for `kubectl logs`. One entry per line:
 *
 *   <RFC3339Nano time> <stdout|stderr> <tags> <content>\n
 *
 * where tags is "F" for a full line or "P" for a partial one that continues in the next entry
 * (kubelet: pkg/kubelet/kuberuntime/logs; tags are ":"-separated, the first one is the kind).
 */

const SPACE = 0x20;
const NEWLINE = 0x0a;
/** How often a follower looks at the file when no change notification arrives. */
export const LOG_FOLLOW_POLL_MS = 250;
const READ_CHUNK = 64 * 1024;

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/** Nanoseconds since the epoch of an RFC 3339 time with up to nine fractional digits. */
export function parseRfc3339Nanos(text: string): bigint {
  const m = RFC3339.exec(text);
  if (!m) throw new BerthError(ErrorCode.Invalid, `invalid RFC 3339 time ${JSON.stringify(text)}`);
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (zone && zone !== "Z") {
    const sign = zone.startsWith("-") ? -1 : 1;
    ms -= sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
  }
  return BigInt(ms) * 1_000_000n + BigInt((frac ?? "").padEnd(9, "0"));
}

/** Go's time.RFC3339Nano in UTC: fractional seconds without trailing zeros. */
export function formatRfc3339Nanos(nanos: bigint): string {
  const ms = nanos / 1_000_000n;
  let subsecond = nanos % 1_000_000_000n;
  let seconds = Number(ms / 1000n);
  if (subsecond < 0n) {
    subsecond += 1_000_000_000n;
    seconds -= 1;
  }
  const base = new Date(seconds * 1000).toISOString().slice(0, 19);
  const frac = subsecond.toString().padStart(9, "0").replace(/0+$/, "");
  return `${base}${frac ? `.${frac}` : ""}Z`;
}

function invalid(line: Buffer, why: string): BerthError {
  const shown = line.subarray(0, 80).toString("utf8");
  return new BerthError(ErrorCode.Invalid, `invalid CRI log line (${why}): ${JSON.stringify(shown)}`);
}

/** Parses one entry, without its trailing newline. Throws BerthError(Invalid) on a malformed one. */
export function parseCriLogLine(input: Buffer | string): LogLine {
  const line = typeof input === "string" ? Buffer.from(input, "utf8") : input;
  const end = line.length > 0 && line[line.length - 1] === NEWLINE ? line.length - 1 : line.length;
  const timeEnd = line.indexOf(SPACE);
  if (timeEnd <= 0 || timeEnd >= end) throw invalid(line, "no time");
  const time = line.subarray(0, timeEnd).toString("latin1");
  if (!RFC3339.test(time)) throw invalid(line, "bad time");
  const streamEnd = line.indexOf(SPACE, timeEnd + 1);
  if (streamEnd < 0 || streamEnd >= end) throw invalid(line, "no stream");
  const stream = line.subarray(timeEnd + 1, streamEnd).toString("latin1");
  if (stream !== "stdout" && stream !== "stderr") throw invalid(line, "bad stream");
  let tagsEnd = line.indexOf(SPACE, streamEnd + 1);
  // An empty full line may be written without the space after the tag.
  if (tagsEnd < 0 || tagsEnd > end) tagsEnd = end;
  const tags = line.subarray(streamEnd + 1, tagsEnd).toString("latin1");
  const kind = tags.split(":")[0];
  if (kind !== "F" && kind !== "P") throw invalid(line, "bad tag");
  return {
    time,
    stream: stream as LogStream,
    full: kind === "F",
    content: Buffer.from(line.subarray(Math.min(tagsEnd + 1, end), end)),
  };
}

/** One entry with its trailing newline, as a runtime writes it. */
export function formatCriLogLine(line: LogLine): Buffer {
  const head = Buffer.from(`${line.time} ${line.stream} ${line.full ? "F" : "P"} `, "latin1");
  return Buffer.concat([head, line.content, Buffer.from("\n")]);
}

export interface ReadCriLogOptions extends LogOptions {
  /**
   * Asked when a follower reaches the end of the file; true ends the follow after one last read
   * (the container has exited and nothing more will be written).
   */
  readonly isDone?: () => boolean | Promise<boolean>;
  readonly pollIntervalMs?: number;
  /**
   * A missing file: "error" (NotFound, the default), "empty" (no lines), or "wait" (follow
   * only: wait for the writer to create it, e.g. a container created but not yet started).
   */
  readonly whenMissing?: "error" | "empty" | "wait";
}

/** Byte offset where the last `lines` entries of the file start. */
async function tailOffset(handle: FileHandle, size: number, lines: number): Promise<number> {
  if (lines <= 0) return size;
  let end = size;
  if (size > 0) {
    const last = Buffer.alloc(1);
    await handle.read(last, 0, 1, size - 1);
    if (last[0] === NEWLINE) end = size - 1; // the terminator of the last line is not a separator
  }
  let seen = 0;
  const buf = Buffer.alloc(READ_CHUNK);
  while (end > 0) {
    const start = Math.max(0, end - READ_CHUNK);
    const { bytesRead } = await handle.read(buf, 0, end - start, start);
    for (let i = bytesRead - 1; i >= 0; i--) {
      if (buf[i] === NEWLINE && ++seen === lines) return start + i + 1;
    }
    end = start;
  }
  return 0;
}

async function openLog(path: string): Promise<FileHandle> {
  try {
    return await open(path, "r");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") {
      throw new BerthError(ErrorCode.NotFound, `log file ${path} does not exist`, { cause: err });
    }
    throw new BerthError(ErrorCode.Internal, `cannot open log file ${path}`, { cause: err });
  }
}

/** Resolves on the next change notification for the file, after the poll interval, or on abort. */
function nextChange(watcher: FSWatcher | undefined, pollMs: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      watcher?.off("change", done);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, pollMs);
    watcher?.on("change", done);
    signal?.addEventListener("abort", done, { once: true });
  });
}

function safeWatch(path: string): FSWatcher | undefined {
  try {
    const w = watch(path, { persistent: false });
    w.on("error", () => undefined);
    return w;
  } catch {
    return undefined; // polling alone still works
  }
}

/**
 * The raw bytes of a CRI-format log file, in chunks that each end at an entry's newline (only a
 * last entry without one, at the end of a file that is not followed, ends otherwise): from the
 * last `tailLines` entries (all when unset); with `follow`, what is appended, reopening the file
 * when it is rotated, until the signal aborts or `isDone` says the writer has finished. Each chunk
 * is a fresh buffer the caller may keep or change.
 */
export async function* readCriLogChunks(
  path: string,
  options: Omit<ReadCriLogOptions, "limitBytes" | "sinceTimeNanos"> = {},
): AsyncGenerator<Buffer> {
  const { follow = false, signal, tailLines } = options;
  const pollMs = options.pollIntervalMs ?? LOG_FOLLOW_POLL_MS;
  const whenMissing = options.whenMissing ?? "error";
  let handle: FileHandle | undefined;
  while (!handle) {
    try {
      handle = await openLog(path);
    } catch (err) {
      if (!isNotFound(err) || whenMissing === "error") throw err;
      if (whenMissing === "empty" || !follow || signal?.aborted) return;
      if (options.isDone && (await options.isDone())) {
        // The writer finished; it may have created the file just before.
        handle = await openLog(path).catch(() => undefined);
        if (!handle) return;
        break;
      }
      await nextChange(undefined, pollMs, signal);
    }
  }
  let watcher = follow ? safeWatch(path) : undefined;
  try {
    let position =
      tailLines === undefined ? 0 : await tailOffset(handle, (await handle.stat()).size, tailLines);
    /** The start of an entry whose newline has not been read yet. */
    let carry: Buffer = Buffer.alloc(0);
    let finishing = false;
    while (!signal?.aborted) {
      // A fresh buffer per read: the chunk handed out is the caller's.
      const buf = Buffer.allocUnsafe(Math.max(READ_CHUNK, carry.length * 2));
      carry.copy(buf, 0);
      const { bytesRead } = await handle.read(buf, carry.length, buf.length - carry.length, position);
      if (bytesRead > 0) {
        position += bytesRead;
        const filled = carry.length + bytesRead;
        const last = buf.lastIndexOf(NEWLINE, filled - 1);
        if (last < 0) {
          carry = buf.subarray(0, filled);
          continue;
        }
        carry = buf.subarray(last + 1, filled);
        yield buf.subarray(0, last + 1);
        continue;
      }
      // End of file.
      if (!follow || finishing) {
        if (carry.length > 0) yield Buffer.from(carry);
        return;
      }
      const current = await stat(path).catch(() => undefined);
      const opened = await handle.stat();
      if (current && (current.ino !== opened.ino || current.size < position)) {
        // Rotated or truncated: continue with the new file from its start.
        await handle.close();
        watcher?.close();
        handle = await openLog(path);
        watcher = safeWatch(path);
        position = 0;
        carry = Buffer.alloc(0);
        continue;
      }
      if (options.isDone && (await options.isDone())) {
        finishing = true;
        continue;
      }
      await nextChange(watcher, pollMs, signal);
    }
  } finally {
    watcher?.close();
    await handle.close();
  }
}

/**
 * Reads a CRI-format log file as parsed lines (readCriLogChunks for tailLines, follow and
 * rotation): only those at or after `sinceTimeNanos`, at most `limitBytes` of content. Malformed
 * entries are skipped, as the kubelet does.
 */
export async function* readCriLogFile(
  path: string,
  options: ReadCriLogOptions = {},
): AsyncGenerator<LogLine> {
  const { sinceTimeNanos } = options;
  let budget = options.limitBytes ?? Number.POSITIVE_INFINITY;
  if (budget <= 0) return;
  for await (const chunk of readCriLogChunks(path, options)) {
    let start = 0;
    while (start < chunk.length && budget > 0) {
      const nl = chunk.indexOf(NEWLINE, start);
      const end = nl < 0 ? chunk.length : nl;
      const raw = chunk.subarray(start, end);
      start = end + 1;
      let line: LogLine;
      try {
        line = parseCriLogLine(raw);
      } catch {
        continue;
      }
      if (sinceTimeNanos !== undefined && parseRfc3339Nanos(line.time) < sinceTimeNanos) continue;
      if (line.content.length > budget) line = { ...line, content: line.content.subarray(0, budget) };
      budget -= line.content.length;
      yield line;
    }
    if (budget <= 0) return;
  }
}
