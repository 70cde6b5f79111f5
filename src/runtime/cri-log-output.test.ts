import { appendFile, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseCriLogLine, parseRfc3339Nanos, readCriLogFile } from "./cri-log.js";
import { criEntriesToOutput, readCriLogOutput } from "./cri-log-output.js";
import { lineOutput } from "./log-output.js";

const T1 = "2026-11-22T04:01:46.850730043Z";
const T2 = "2026-11-22T04:01:47.5Z";
const T3 = "2026-11-22T04:01:48Z";
const T4 = "2026-11-22T05:01:48.123+01:00";

/** What the line-by-line parser makes of the same bytes: the reference for the chunk converter. */
function reference(raw: Buffer, timestamps: boolean, since?: bigint): Buffer {
  const parts: Buffer[] = [];
  let start = 0;
  while (start < raw.length) {
    let nl = raw.indexOf(0x0a, start);
    if (nl < 0) nl = raw.length;
    try {
      const line = parseCriLogLine(raw.subarray(start, nl));
      if (since === undefined || parseRfc3339Nanos(line.time) >= since)
        parts.push(lineOutput(line, timestamps));
    } catch {
      // skipped, as the kubelet skips what it cannot parse
    }
    start = nl + 1;
  }
  return Buffer.concat(parts);
}

async function collect(iter: AsyncIterable<Buffer>): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of iter) out.push(Buffer.from(c));
  return Buffer.concat(out);
}

/** Entries of every kind, well-formed or not. */
const MIXED = Buffer.concat([
  Buffer.from(`${T1} stdout F one\n`),
  Buffer.from("not a cri line\n"),
  Buffer.from(`${T2} stderr P two-a\n${T2} stderr F two-b\n`),
  Buffer.from(`${T3} stdout F\n${T3} stdout F \n`),
  Buffer.from(`${T1} stdout F:x:y tagged  with  spaces\n`),
  Buffer.from(`${T1} stdin F bad stream\n${T1} stdout X bad tag\n${T1} stdout FX bad tag\n`),
  Buffer.from(`yesterday stdout F bad time\n${T1} stdout\n\n`),
  // Times of other lengths (7 and 9 shorter than the one before: the tag's spaces line up).
  Buffer.from(`${T1} stdout F long time\n2026-11-22T04:01:48.1Z stdout F seven shorter\n`),
  Buffer.from(`${T1} stdout F long\n${T3} stdout F nine shorter\n${T4} stderr F zone\n`),
  Buffer.concat([Buffer.from(`${T1} stdout F `), Buffer.from([0xff, 0xfe, 0x00]), Buffer.from("\n")]),
  Buffer.from(`${T2} stdout P last without newline`),
]);

describe("criEntriesToOutput", () => {
  it.each([false, true])("writes what the line parser reads, with timestamps %s", (timestamps) => {
    const expected = reference(MIXED, timestamps);
    expect(criEntriesToOutput(Buffer.from(MIXED), { timestamps }).toString("latin1")).toBe(
      expected.toString("latin1"),
    );
  });

  it("keeps the entries at or after sinceTime", () => {
    const since = parseRfc3339Nanos(T2);
    const out = criEntriesToOutput(Buffer.from(MIXED), { sinceTimeNanos: since });
    expect(out.toString("latin1")).toBe(reference(MIXED, false, since).toString("latin1"));
    expect(out.toString()).not.toMatch(/^one$/m);
    expect(out.toString()).toContain("two-atwo-b\n");
  });

  it("converts in place and ends a last full entry without newline with one", () => {
    const chunk = Buffer.from(`${T1} stdout F a\n${T1} stdout F b`);
    const out = criEntriesToOutput(chunk);
    expect(out.toString()).toBe("a\nb\n");
    expect(out.buffer).toBe(chunk.buffer);
  });
});

describe("readCriLogOutput", () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "berth-cri-output-"));
    file = join(dir, "0.log");
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads entries that cross the reads' boundaries, and one longer than a read", async () => {
    const parts: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const body = `${i}:`.padEnd(1 + ((i * 37) % 300), String.fromCharCode(97 + (i % 26)));
      parts.push(
        `${i % 5 === 0 ? T2 : T1} ${i % 2 ? "stderr" : "stdout"} ${i % 7 === 0 ? "P" : "F"} ${body}\n`,
      );
      if (i === 1500) parts.push(`${T3} stdout F ${"L".repeat(200 * 1024)}\n`);
    }
    const raw = Buffer.from(parts.join(""));
    expect(raw.length).toBeGreaterThan(4 * 64 * 1024);
    await writeFile(file, raw);
    for (const timestamps of [false, true]) {
      const out = await collect(readCriLogOutput(file, { timestamps }));
      expect(out.equals(reference(raw, timestamps))).toBe(true);
    }
    // The same content as the line reader gives.
    const lines: Buffer[] = [];
    for await (const l of readCriLogFile(file)) lines.push(lineOutput(l, false));
    expect((await collect(readCriLogOutput(file))).equals(Buffer.concat(lines))).toBe(true);
  });

  it("tails the last entries", async () => {
    await writeFile(file, `${T1} stdout F one\n${T2} stdout F two\n${T3} stdout F three\n`);
    expect((await collect(readCriLogOutput(file, { tailLines: 2 }))).toString()).toBe("two\nthree\n");
    expect((await collect(readCriLogOutput(file, { tailLines: 0 }))).toString()).toBe("");
  });

  it("follows a line written in pieces and across a rotation, until the writer is done", async () => {
    await writeFile(file, `${T1} stdout F one\n`);
    let done = false;
    const seen: string[] = [];
    for await (const chunk of readCriLogOutput(file, {
      follow: true,
      pollIntervalMs: 5,
      isDone: () => done,
    })) {
      seen.push(chunk.toString());
      if (seen.length === 1) {
        await appendFile(file, `${T2} stdout F tw`);
        await appendFile(file, "o\n");
      } else if (seen.length === 2) {
        await rename(file, `${file}.1`);
        await writeFile(file, `${T3} stdout F rotated\n`);
        done = true;
      }
    }
    expect(seen.join("")).toBe("one\ntwo\nrotated\n");
    expect(seen[1]).toBe("two\n");
  });
});
