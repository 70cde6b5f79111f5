import { describe, expect, it } from "vitest";
import type { LogLine } from "../types.js";
import { LogBuffer, formatCriLine, rfc3339Nano } from "./log-buffer.js";

async function read(lines: AsyncIterable<LogLine>): Promise<string[]> {
  const out: string[] = [];
  for await (const l of lines) out.push(`${l.stream}:${l.content.toString()}`);
  return out;
}

const T0 = 1_767_225_600_000_000_000n; // 2026-01-01T00:00:00Z in ns

describe("LogBuffer", () => {
  it("writes CRI-format lines with nanosecond times", () => {
    expect(rfc3339Nano(T0 + 5n)).toBe("2026-01-01T00:00:00.000000005Z");
    expect(formatCriLine(T0, "stderr", "boom")).toBe("2026-01-01T00:00:00.000000000Z stderr F boom");
    const buf = new LogBuffer();
    buf.append(T0, "stdout", "a\nb\n");
    expect(buf.lines()).toEqual([
      "2026-01-01T00:00:00.000000000Z stdout F a",
      "2026-01-01T00:00:00.000000000Z stdout F b",
    ]);
  });

  it("reads with tail, since and a byte limit", async () => {
    const buf = new LogBuffer();
    buf.append(T0, "stdout", "one\n");
    buf.append(T0 + 1_000_000_000n, "stderr", "two\n");
    buf.append(T0 + 2_000_000_000n, "stdout", "three\n");
    expect(await read(buf.read())).toEqual(["stdout:one", "stderr:two", "stdout:three"]);
    expect(await read(buf.read({ tailLines: 2 }))).toEqual(["stderr:two", "stdout:three"]);
    expect(await read(buf.read({ tailLines: 0 }))).toEqual([]);
    expect(await read(buf.read({ sinceTimeNanos: T0 + 1_500_000_000n }))).toEqual(["stdout:three"]);
    expect(await read(buf.read({ limitBytes: 5 }))).toEqual(["stdout:one", "stderr:tw"]);
  });

  it("drops the oldest lines beyond its bound", async () => {
    const buf = new LogBuffer(2);
    for (const word of ["a", "b", "c"]) buf.append(T0, "stdout", word);
    expect(await read(buf.read())).toEqual(["stdout:b", "stdout:c"]);
    expect(await read(buf.read({ tailLines: 5 }))).toEqual(["stdout:b", "stdout:c"]);
  });

  it("follows new lines until closed, or until aborted", async () => {
    const buf = new LogBuffer();
    buf.append(T0, "stdout", "first");
    const seen: string[] = [];
    const following = (async () => {
      for await (const l of buf.read({ follow: true })) seen.push(l.content.toString());
    })();
    await new Promise((r) => setImmediate(r));
    buf.append(T0, "stdout", "second");
    buf.close();
    await following;
    expect(seen).toEqual(["first", "second"]);

    const open = new LogBuffer();
    const ac = new AbortController();
    const pending = read(open.read({ follow: true, signal: ac.signal }));
    ac.abort();
    expect(await pending).toEqual([]);
  });
});
