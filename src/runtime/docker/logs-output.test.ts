import { describe, expect, it } from "vitest";
import { dockerLogsToOutput } from "./logs.js";
import { encodeFrame } from "./stdcopy.js";

async function output(pieces: readonly Buffer[], tty: boolean): Promise<string> {
  async function* body(): AsyncGenerator<Buffer> {
    // Copies: the converter works in place on what it is given, as on a socket's chunks.
    for (const p of pieces) yield Buffer.from(p);
  }
  const out: Buffer[] = [];
  for await (const c of dockerLogsToOutput(body(), tty)) out.push(Buffer.from(c));
  return Buffer.concat(out).toString("latin1");
}

/** Every way of cutting `wire` in two, and in pieces of every size. */
function splits(wire: Buffer): Buffer[][] {
  const out: Buffer[][] = [[wire]];
  for (let i = 1; i < wire.length; i++) out.push([wire.subarray(0, i), wire.subarray(i)]);
  for (let size = 1; size <= 9; size++) {
    const pieces: Buffer[] = [];
    for (let p = 0; p < wire.length; p += size) pieces.push(wire.subarray(p, p + size));
    out.push(pieces);
  }
  return out;
}

describe("dockerLogsToOutput", () => {
  it("joins stdout and stderr payloads, whatever the chunks, and leaves out other streams", async () => {
    const wire = Buffer.concat([
      encodeFrame("stdout", Buffer.from("one\n")),
      encodeFrame("stderr", Buffer.from("two-")),
      encodeFrame("system", Buffer.from("ignored")),
      encodeFrame("stdout", Buffer.from("")),
      encodeFrame("stderr", Buffer.from("parts\n")),
      encodeFrame("stdin", Buffer.from("ignored too")),
      encodeFrame("stdout", Buffer.from([0xff, 0x00, 0x0a])),
    ]);
    for (const pieces of splits(wire)) {
      expect(await output(pieces, false)).toBe("one\ntwo-parts\n\xff\x00\n");
    }
  });

  it("drops an incomplete frame at the end and refuses an unknown stream", async () => {
    const wire = encodeFrame("stdout", Buffer.from("whole\n"));
    expect(await output([wire, encodeFrame("stdout", Buffer.from("cut")).subarray(0, 9)], false)).toBe(
      "whole\n",
    );
    const bad = Buffer.from(wire);
    bad[0] = 7;
    await expect(output([bad], false)).rejects.toThrow(/unknown stream type 7/);
  });

  it("makes a TTY's \\r\\n line ends \\n, across chunks, and keeps other carriage returns", async () => {
    const wire = Buffer.from("a\r\nb\rc\r\n\r\nprompt\r");
    for (const pieces of splits(wire)) {
      expect(await output(pieces, true)).toBe("a\nb\rc\n\nprompt\r");
    }
  });
});
