import { describe, expect, it } from "vitest";
import { jsonLines, toWatchEvent } from "./watch-stream.js";

async function* chunks(...parts: (string | Buffer)[]): AsyncGenerator<Uint8Array | string> {
  for (const p of parts) yield p;
}

async function all(source: AsyncIterable<unknown>): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const v of source) out.push(v);
  return out;
}

describe("jsonLines", () => {
  it("splits on newlines wherever the chunks cut", async () => {
    const text = '{"a":1}\n{"b":"x"}\n\n{"c":[1,2]}\n';
    for (let cut = 0; cut <= text.length; cut++) {
      expect(await all(jsonLines(chunks(text.slice(0, cut), text.slice(cut))))).toEqual([
        { a: 1 },
        { b: "x" },
        { c: [1, 2] },
      ]);
    }
  });

  it("keeps multi-byte characters cut between chunks", async () => {
    const bytes = Buffer.from('{"name":"grüße"}\n', "utf8");
    const u = bytes.indexOf(0xc3); // first byte of ü
    const parts = [bytes.subarray(0, u + 1), bytes.subarray(u + 1, u + 2), bytes.subarray(u + 2)];
    expect(await all(jsonLines(chunks(...parts)))).toEqual([{ name: "grüße" }]);
  });

  it("parses a last line without a newline, byte by byte", async () => {
    const bytes = Buffer.from('{"x":1}\n{"y":2}', "utf8");
    const parts = [...bytes].map((b) => Buffer.from([b]));
    expect(await all(jsonLines(chunks(...parts)))).toEqual([{ x: 1 }, { y: 2 }]);
  });

  it("fails a broken line with BadRequest", async () => {
    await expect(all(jsonLines(chunks('{"x":1}\n{"y":\n')))).rejects.toMatchObject({ code: "BadRequest" });
  });
});

describe("toWatchEvent", () => {
  it("accepts the five event types and rejects others", () => {
    for (const type of ["ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"]) {
      expect(toWatchEvent({ type, object: {} }).type).toBe(type);
    }
    expect(() => toWatchEvent({ type: "SYNC", object: {} })).toThrow(/malformed watch event/);
    expect(() => toWatchEvent({ type: "ADDED" })).toThrow(expect.objectContaining({ code: "BadRequest" }));
    expect(() => toWatchEvent(null)).toThrow(/malformed/);
  });
});
