/**
 * The container log as `kubectl logs` prints it (kubelet: kuberuntime/logs, the writer of
 * ReadLogs): each entry's content, then a newline unless the entry is partial ("P"); with
 * timestamps, the entry's time and a space before it.
 */
import type { LogLine, LogOutputOptions } from "./types.js";

const NEWLINE = Buffer.from("\n");

/** One parsed line as output. */
export function lineOutput(line: LogLine, timestamps: boolean): Buffer {
  const parts = timestamps ? [Buffer.from(`${line.time} `, "latin1"), line.content] : [line.content];
  if (line.full) parts.push(NEWLINE);
  return parts.length === 1 ? line.content : Buffer.concat(parts);
}

/**
 * Parsed lines as output, one buffer per line: the path of a runtime that keeps its logs as
 * lines (the fake) or has to rewrite each line's time (Docker with timestamps).
 */
export async function* linesToOutput(
  lines: AsyncIterable<LogLine>,
  options: Pick<LogOutputOptions, "timestamps">,
): AsyncGenerator<Buffer> {
  const timestamps = options.timestamps === true;
  for await (const line of lines) yield lineOutput(line, timestamps);
}
