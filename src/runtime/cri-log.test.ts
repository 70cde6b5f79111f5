import { appendFile, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isInvalid, isNotFound } from "../common/errors.js";
import {
  formatCriLogLine,
  formatRfc3339Nanos,
  parseCriLogLine,
  parseRfc3339Nanos,
  readCriLogFile,
} from "./cri-log.js";
import type { LogLine } from "./types.js";

const T1 = "2026-11-22T04:01:46.850730043Z";
const T2 = "2026-11-22T04:01:47.5Z";
const T3 = "2026-11-22T04:01:48Z";

function entry(time: string, stream: "stdout" | "stderr", full: boolean, content: string): string {
  return `${time} ${stream} ${full ? "F" : "P"} ${content}\n`;
}

async function collect(iter: AsyncIterable<LogLine>): Promise<string[]> {
  const out: string[] = [];
  for await (const l of iter) out.push(`${l.stream}:${l.full ? "F" : "P"}:${l.content.toString()}`);
  return out;
}

describe("RFC 3339 times", () => {
  it("parses nanoseconds exactly, with zones", () => {
    expect(parseRfc3339Nanos("1970-01-01T00:00:01.000000001Z")).toBe(1_000_000_001n);
    expect(parseRfc3339Nanos("1970-01-01T01:00:00+01:00")).toBe(0n);
    expect(parseRfc3339Nanos("1970-01-01T00:00:00.5-00:30")).toBe(1_800_500_000_000n);
    expect(parseRfc3339Nanos(T1)).toBe(1795320106850730043n);
  });

  it("formats like Go's RFC3339Nano, trailing zeros trimmed", () => {
    expect(formatRfc3339Nanos(1795320106850730043n)).toBe(T1);
    expect(formatRfc3339Nanos(parseRfc3339Nanos(T2))).toBe(T2);
    expect(formatRfc3339Nanos(parseRfc3339Nanos(T3))).toBe(T3);
  });

  it("rejects what is not RFC 3339", () => {
    expect(() => parseRfc3339Nanos("2026-11-22 04:01:48")).toThrow(/invalid RFC 3339/);
  });
});

describe("parseCriLogLine", () => {
  it("splits time, stream, tag and content, keeping spaces in the content", () => {
    const l = parseCriLogLine(`${T1} stderr F  two  spaces \n`);
    expect(l).toEqual({ time: T1, stream: "stderr", full: true, content: Buffer.from(" two  spaces ") });
  });

  it("reads partial lines and multi-part tags", () => {
    expect(parseCriLogLine(`${T1} stdout P abc`).full).toBe(false);
    expect(parseCriLogLine(`${T1} stdout F:x abc`).content.toString()).toBe("abc");
  });

  it("accepts an empty full line with or without the separator", () => {
    expect(parseCriLogLine(`${T1} stdout F `).content.length).toBe(0);
    expect(parseCriLogLine(`${T1} stdout F`).content.length).toBe(0);
  });

  it("keeps non-UTF-8 bytes", () => {
    const raw = Buffer.concat([Buffer.from(`${T1} stdout F `), Buffer.from([0xff, 0xfe, 0x00])]);
    expect(parseCriLogLine(raw).content).toEqual(Buffer.from([0xff, 0xfe, 0x00]));
  });

  it.each([
    ["no fields", "garbage"],
    ["bad time", "yesterday stdout F x"],
    ["bad stream", `${T1} stdin F x`],
    ["bad tag", `${T1} stdout X x`],
    ["missing tag", `${T1} stdout`],
  ])("rejects %s with Invalid", (_name, line) => {
    let caught: unknown;
    try {
      parseCriLogLine(line);
    } catch (err) {
      caught = err;
    }
    expect(isInvalid(caught)).toBe(true);
  });

  it("round-trips through formatCriLogLine", () => {
    const line: LogLine = { time: T2, stream: "stdout", full: false, content: Buffer.from("a b") };
    const text = formatCriLogLine(line);
    expect(text.toString()).toBe(`${T2} stdout P a b\n`);
    expect(parseCriLogLine(text)).toEqual(line);
  });
});

describe("readCriLogFile", () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "berth-cri-log-"));
    file = join(dir, "0.log");
    await writeFile(
      file,
      entry(T1, "stdout", true, "one") +
        "not a cri line\n" +
        entry(T2, "stderr", false, "two-a") +
        entry(T2, "stderr", true, "two-b") +
        entry(T3, "stdout", true, "three"),
    );
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads every well-formed entry in order, skipping malformed ones", async () => {
    expect(await collect(readCriLogFile(file))).toEqual([
      "stdout:F:one",
      "stderr:P:two-a",
      "stderr:F:two-b",
      "stdout:F:three",
    ]);
  });

  it("tails the last entries", async () => {
    expect(await collect(readCriLogFile(file, { tailLines: 2 }))).toEqual([
      "stderr:F:two-b",
      "stdout:F:three",
    ]);
    expect(await collect(readCriLogFile(file, { tailLines: 0 }))).toEqual([]);
    expect(await collect(readCriLogFile(file, { tailLines: 100 }))).toHaveLength(4);
  });

  it("filters by sinceTime and limits bytes", async () => {
    const since = parseRfc3339Nanos(T2);
    expect(await collect(readCriLogFile(file, { sinceTimeNanos: since }))).toEqual([
      "stderr:P:two-a",
      "stderr:F:two-b",
      "stdout:F:three",
    ]);
    expect(await collect(readCriLogFile(file, { limitBytes: 5 }))).toEqual(["stdout:F:one", "stderr:P:tw"]);
  });

  it("reads a last entry without a newline when not following", async () => {
    await appendFile(file, `${T3} stdout F tail`);
    expect((await collect(readCriLogFile(file))).at(-1)).toBe("stdout:F:tail");
  });

  it("reports a missing file as NotFound", async () => {
    await expect(collect(readCriLogFile(join(dir, "nope.log")))).rejects.toSatisfy(isNotFound);
  });

  it("reads a missing file as empty, or waits for it to appear, when asked", async () => {
    const later = join(dir, "later.log");
    expect(await collect(readCriLogFile(later, { whenMissing: "empty" }))).toEqual([]);
    const seen: string[] = [];
    let polls = 0;
    const iter = readCriLogFile(later, {
      follow: true,
      whenMissing: "wait",
      pollIntervalMs: 5,
      isDone: async () => {
        if (++polls === 2) await writeFile(later, entry(T1, "stdout", true, "created"));
        return polls > 2;
      },
    });
    for await (const l of iter) seen.push(l.content.toString());
    expect(seen).toEqual(["created"]);
  });

  it("follows appended entries, joins a line written in pieces, and ends when the writer is done", async () => {
    let done = false;
    const seen: string[] = [];
    const iter = readCriLogFile(file, { tailLines: 1, follow: true, pollIntervalMs: 10, isDone: () => done });
    for await (const l of iter) {
      seen.push(l.content.toString());
      if (seen.length === 1) {
        await appendFile(file, `${T3} stdout F fo`);
        await appendFile(file, "ur\n");
      } else if (seen.length === 2) {
        done = true;
        await appendFile(file, entry(T3, "stdout", true, "five"));
      }
    }
    expect(seen).toEqual(["three", "four", "five"]);
  });

  it("follows across a rotation to the new file", async () => {
    const controller = new AbortController();
    const seen: string[] = [];
    for await (const l of readCriLogFile(file, {
      tailLines: 1,
      follow: true,
      pollIntervalMs: 10,
      signal: controller.signal,
    })) {
      seen.push(l.content.toString());
      if (seen.length === 1) {
        await rename(file, `${file}.1`);
        await writeFile(file, entry(T3, "stdout", true, "rotated"));
      } else {
        controller.abort();
      }
    }
    expect(seen).toEqual(["three", "rotated"]);
  });
});
