import type { LogLine, LogOptions, LogStream } from "../types.js";

/**
 * A container's log, kept as CRI-format lines (`<RFC3339Nano> <stream> F <content>`), the
 * format the kubelet reads from /var/log/pods. Bounded: the oldest lines go first, like a
 * rotated log file, so hundreds of hollow pods stay cheap.
 */
export const FAKE_LOG_MAX_LINES = 1000;

export function rfc3339Nano(nanos: bigint): string {
  const ms = nanos / 1_000_000n;
  const iso = new Date(Number(ms)).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  const fraction = (nanos % 1_000_000_000n).toString().padStart(9, "0");
  return `${iso.slice(0, 19)}.${fraction}Z`;
}

export function formatCriLine(nanos: bigint, stream: LogStream, content: string): string {
  return `${rfc3339Nano(nanos)} ${stream} F ${content}`;
}

function parseCriLine(line: string): LogLine {
  const first = line.indexOf(" ");
  const second = line.indexOf(" ", first + 1);
  const third = line.indexOf(" ", second + 1);
  return {
    time: line.slice(0, first),
    stream: line.slice(first + 1, second) as LogStream,
    full: line.slice(second + 1, third) === "F",
    content: Buffer.from(line.slice(third + 1)),
  };
}

function nanosOf(time: string): bigint {
  const ms = Date.parse(time);
  const fraction = /\.(\d+)Z$/.exec(time)?.[1] ?? "0";
  return BigInt(Math.floor(ms / 1000)) * 1_000_000_000n + BigInt(fraction.padEnd(9, "0").slice(0, 9));
}

export class LogBuffer {
  readonly #lines: string[] = [];
  /** Lines dropped from the front so far: absolute index = dropped + position. */
  #dropped = 0;
  #closed = false;
  #waiters = new Set<() => void>();

  constructor(private readonly maxLines = FAKE_LOG_MAX_LINES) {}

  append(nanos: bigint, stream: LogStream, text: string): void {
    // One CRI line per output line; a trailing newline ends the last one.
    const parts = text.endsWith("\n") ? text.slice(0, -1).split("\n") : text.split("\n");
    for (const part of parts) this.#lines.push(formatCriLine(nanos, stream, part));
    const excess = this.#lines.length - this.maxLines;
    if (excess > 0) {
      this.#lines.splice(0, excess);
      this.#dropped += excess;
    }
    this.#wake();
  }

  /** The writer is gone (container exited): followers stop at the end. */
  close(): void {
    this.#closed = true;
    this.#wake();
  }

  /** Raw CRI-format lines currently kept. */
  lines(): readonly string[] {
    return this.#lines;
  }

  async *read(options: LogOptions = {}): AsyncGenerator<LogLine> {
    let start = this.#dropped;
    if (options.tailLines !== undefined && options.tailLines >= 0) {
      start = Math.max(this.#dropped, this.#dropped + this.#lines.length - options.tailLines);
    }
    let next = start;
    let budget = options.limitBytes ?? Number.POSITIVE_INFINITY;
    for (;;) {
      while (next < this.#dropped + this.#lines.length) {
        const raw = this.#lines[Math.max(0, next - this.#dropped)] as string;
        next = Math.max(next, this.#dropped) + 1;
        const line = parseCriLine(raw);
        if (options.sinceTimeNanos !== undefined && nanosOf(line.time) < options.sinceTimeNanos) continue;
        if (line.content.length > budget) {
          if (budget > 0) yield { ...line, content: line.content.subarray(0, budget) };
          return;
        }
        budget -= line.content.length;
        yield line;
      }
      if (!options.follow || this.#closed || options.signal?.aborted) return;
      const aborted = await this.#waitForMore(options.signal);
      if (aborted) return;
    }
  }

  #waitForMore(signal: AbortSignal | undefined): Promise<boolean> {
    return new Promise((resolve) => {
      const onAbort = (): void => {
        this.#waiters.delete(wake);
        resolve(true);
      };
      const wake = (): void => {
        signal?.removeEventListener("abort", onAbort);
        resolve(false);
      };
      this.#waiters.add(wake);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  #wake(): void {
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const wake of waiters) wake();
  }
}
