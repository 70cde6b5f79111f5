/**
 * The body of a watch response: one JSON object per line, arriving in chunks that may cut a line
 * (or a multi-byte character) anywhere. jsonLines() reassembles lines; toWatchEvent() checks them.
 */
import { BerthError, ErrorCode, errorMessage } from "../common/errors.js";
import type { WatchEvent } from "./types.js";

/** Parses each complete line of a byte stream as JSON; a trailing unterminated line counts too. */
export async function* jsonLines(chunks: AsyncIterable<Uint8Array | string>): AsyncGenerator<unknown> {
  const decoder = new TextDecoder("utf-8");
  let pending = "";
  const parse = (line: string): unknown => {
    try {
      return JSON.parse(line);
    } catch (err) {
      throw new BerthError(ErrorCode.BadRequest, `malformed watch event: ${errorMessage(err)}`, {
        cause: err,
        details: { line: line.slice(0, 200) },
      });
    }
  };
  for await (const chunk of chunks) {
    pending += typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = pending.indexOf("\n")) >= 0) {
      const line = pending.slice(0, newline).trim();
      pending = pending.slice(newline + 1);
      if (line !== "") yield parse(line);
    }
  }
  pending += decoder.decode();
  if (pending.trim() !== "") yield parse(pending.trim());
}

const TYPES = new Set(["ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"]);

export function toWatchEvent<T>(value: unknown): WatchEvent<T> {
  const v = value as { type?: unknown; object?: unknown } | null;
  if (
    typeof v !== "object" ||
    v === null ||
    typeof v.type !== "string" ||
    !TYPES.has(v.type) ||
    typeof v.object !== "object" ||
    v.object === null
  ) {
    throw new BerthError(ErrorCode.BadRequest, "malformed watch event: want {type, object}", {
      details: { event: value },
    });
  }
  return v as WatchEvent<T>;
}
