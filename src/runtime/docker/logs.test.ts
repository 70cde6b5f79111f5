import { describe, expect, it } from "vitest";
import type { LogLine } from "../types.js";
import { dockerLogsToLines, messageToLine } from "./logs.js";
import { decodeFrames, encodeFrame, FrameDecoder } from "./stdcopy.js";

async function collect(body: Buffer[], tty: boolean, limitBytes?: number): Promise<LogLine[]> {
  const out: LogLine[] = [];
  async function* source(): AsyncGenerator<Buffer> {
    yield* body;
  }
  for await (const line of dockerLogsToLines(source(), tty, limitBytes)) out.push(line);
  return out;
}

const text = (lines: LogLine[]) => lines.map((l) => [l.time, l.stream, l.full, l.content.toString()]);

describe("stdcopy frames", () => {
  it("decodes frames split anywhere across chunks", async () => {
    const wire = Buffer.concat([
      encodeFrame("stdout", Buffer.from("hello\n")),
      encodeFrame("stderr", Buffer.from("")),
      encodeFrame("stderr", Buffer.from("oops\n")),
    ]);
    const chunks = [wire.subarray(0, 3), wire.subarray(3, 11), wire.subarray(11, 20), wire.subarray(20)];
    const frames = [];
    for await (const f of decodeFrames(
      (async function* () {
        yield* chunks;
      })(),
    ))
      frames.push(f);
    expect(frames.map((f) => [f.stream, f.payload.toString()])).toEqual([
      ["stdout", "hello\n"],
      ["stderr", ""],
      ["stderr", "oops\n"],
    ]);
  });

  it("keeps an incomplete frame pending and rejects unknown stream types", () => {
    const decoder = new FrameDecoder();
    expect(decoder.push(encodeFrame("stdout", Buffer.from("abc")).subarray(0, 9))).toEqual([]);
    expect(decoder.leftover).toBe(9);
    expect(() => new FrameDecoder().push(Buffer.from([7, 0, 0, 0, 0, 0, 0, 0]))).toThrow(
      /unknown stream type 7/,
    );
  });
});

describe("docker logs to CRI lines", () => {
  it("converts timestamped messages, normalising the time and marking partial lines", async () => {
    const lines = await collect(
      [
        encodeFrame("stdout", Buffer.from("2026-11-22T04:00:00.120000000Z first\n")),
        encodeFrame("stderr", Buffer.from("2026-11-22T04:00:00.000000001Z half")),
        encodeFrame("stderr", Buffer.from("2026-11-22T04:00:00.000000002Z  rest\n")),
        encodeFrame("stdout", Buffer.from("2026-11-22T04:00:01.000000000Z \n")),
      ],
      false,
    );
    expect(text(lines)).toEqual([
      ["2026-11-22T04:00:00.12Z", "stdout", true, "first"],
      ["2026-11-22T04:00:00.000000001Z", "stderr", false, "half"],
      ["2026-11-22T04:00:00.000000002Z", "stderr", true, " rest"],
      ["2026-11-22T04:00:01Z", "stdout", true, ""],
    ]);
  });

  it("skips malformed messages and stops at limitBytes of content", async () => {
    const lines = await collect(
      [
        encodeFrame("stdout", Buffer.from("not-a-time hello\n")),
        encodeFrame("stdout", Buffer.from("2026-11-22T04:00:00Z abcdef\n")),
        encodeFrame("stdout", Buffer.from("2026-11-22T04:00:01Z ghijkl\n")),
        encodeFrame("stdout", Buffer.from("2026-11-22T04:00:02Z never\n")),
      ],
      false,
      9,
    );
    expect(text(lines)).toEqual([
      ["2026-11-22T04:00:00Z", "stdout", true, "abcdef"],
      ["2026-11-22T04:00:01Z", "stdout", true, "ghi"],
    ]);
  });

  it("splits a TTY's raw text at newlines, as stdout, without the terminal's \\r", async () => {
    const lines = await collect(
      [
        Buffer.from("2026-11-22T04:00:00Z one\r\n2026-11-22T04:00"),
        Buffer.from(":01Z two\n2026-11-22T04:00:02Z tail\r"),
      ],
      true,
    );
    expect(text(lines)).toEqual([
      ["2026-11-22T04:00:00Z", "stdout", true, "one"],
      ["2026-11-22T04:00:01Z", "stdout", true, "two"],
      ["2026-11-22T04:00:02Z", "stdout", false, "tail\r"],
    ]);
  });

  it("rejects a message without a time", () => {
    expect(messageToLine("stdout", Buffer.from("nospace"))).toBeUndefined();
    expect(messageToLine("stdout", Buffer.from(" leading"))).toBeUndefined();
  });
});
