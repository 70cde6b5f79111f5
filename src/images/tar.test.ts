import { describe, expect, it } from "vitest";
import { BerthError, ErrorCode } from "../common/index.js";
import { tarHeader, writeTar, type TarEntry } from "./tar.js";

const OWNER = { uid: 0, gid: 0, mtime: 1_700_000_000 };

/** Reads the ustar fields back the way tar(1) does, to check what writeTar produced. */
function field(header: Buffer, offset: number, length: number): string {
  const raw = header.subarray(offset, offset + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end === -1 ? length : end).toString("utf8");
}

function readTar(
  archive: Buffer,
): { name: string; type: string; mode: number; size: number; link: string; data: Buffer }[] {
  const out = [];
  let offset = 0;
  for (;;) {
    const header = archive.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const prefix = field(header, 345, 155);
    const base = field(header, 0, 100);
    const size = parseInt(field(header, 124, 12), 8);
    out.push({
      name: prefix === "" ? base : `${prefix}/${base}`,
      type: field(header, 156, 1),
      mode: parseInt(field(header, 100, 8), 8),
      size,
      link: field(header, 157, 100),
      data: archive.subarray(offset + 512, offset + 512 + size),
    });
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

function checksumOk(header: Buffer): boolean {
  const stored = parseInt(field(header, 148, 8).trim(), 8);
  const copy = Buffer.from(header);
  copy.fill(0x20, 148, 156);
  return copy.reduce((sum, b) => sum + b, 0) === stored;
}

describe("tarHeader", () => {
  it("writes ustar fields in octal with a valid checksum", () => {
    const header = tarHeader(
      { type: "file", path: "bin/sh", mode: 0o755, data: new Uint8Array(3) },
      3,
      OWNER,
    );
    expect(header.length).toBe(512);
    expect(field(header, 0, 100)).toBe("bin/sh");
    expect(field(header, 100, 8)).toBe("0000755");
    expect(field(header, 108, 8)).toBe("0000000");
    expect(field(header, 124, 12)).toBe("00000000003");
    expect(field(header, 136, 12)).toBe(OWNER.mtime.toString(8).padStart(11, "0"));
    expect(field(header, 156, 1)).toBe("0");
    expect(header.subarray(257, 265).toString("latin1")).toBe("ustar\u000000");
    expect(field(header, 265, 32)).toBe("root");
    expect(checksumOk(header)).toBe(true);
    // The checksum field is six digits, NUL, space.
    expect(header[154]).toBe(0);
    expect(header[155]).toBe(0x20);
  });

  it("marks directories with a trailing slash and symlinks with their target", () => {
    const dir = tarHeader({ type: "dir", path: "etc", mode: 0o755 }, 0, OWNER);
    expect(field(dir, 0, 100)).toBe("etc/");
    expect(field(dir, 156, 1)).toBe("5");
    const link = tarHeader({ type: "symlink", path: "bin/ls", target: "busybox" }, 0, OWNER);
    expect(field(link, 156, 1)).toBe("2");
    expect(field(link, 157, 100)).toBe("busybox");
    expect(field(link, 100, 8)).toBe("0000777");
  });

  it("keeps the sticky bit", () => {
    const header = tarHeader({ type: "dir", path: "tmp", mode: 0o1777 }, 0, OWNER);
    expect(field(header, 100, 8)).toBe("0001777");
  });

  it("splits a long path into prefix and name", () => {
    const path = `${"a".repeat(60)}/${"b".repeat(60)}/file`;
    const header = tarHeader({ type: "file", path, mode: 0o644, data: new Uint8Array(0) }, 0, OWNER);
    expect(field(header, 345, 155)).toBe("a".repeat(60));
    expect(field(header, 0, 100)).toBe(`${"b".repeat(60)}/file`);
    expect(checksumOk(header)).toBe(true);
  });

  it("refuses a path that no split fits, and a symlink target longer than 100 bytes", () => {
    const tooLong = () =>
      tarHeader({ type: "file", path: "x".repeat(120), mode: 0o644, data: new Uint8Array(0) }, 0, OWNER);
    expect(tooLong).toThrow(BerthError);
    expect(tooLong).toThrow(/too long/);
    try {
      tarHeader({ type: "symlink", path: "l", target: "t".repeat(101) }, 0, OWNER);
      expect.unreachable();
    } catch (err) {
      expect((err as BerthError).code).toBe(ErrorCode.Invalid);
    }
  });

  it("refuses negative or fractional numbers", () => {
    expect(() => tarHeader({ type: "dir", path: "d", mode: 0o755 }, 0, { ...OWNER, uid: -1 })).toThrow(
      /non-negative integer/,
    );
    expect(() => tarHeader({ type: "dir", path: "d", mode: 0o755 }, 0, { ...OWNER, mtime: 1.5 })).toThrow(
      BerthError,
    );
  });
});

describe("writeTar", () => {
  it("pads data to 512-byte blocks and ends with two zero blocks", () => {
    const entries: TarEntry[] = [
      { type: "dir", path: "etc", mode: 0o755 },
      { type: "file", path: "etc/hostname", mode: 0o644, data: Buffer.from("berth\n") },
      { type: "file", path: "empty", mode: 0o600, data: new Uint8Array(0) },
      { type: "symlink", path: "sh", target: "/bin/busybox" },
    ];
    const archive = writeTar(entries, OWNER);
    // 4 headers + 1 data block + 2 trailer blocks.
    expect(archive.length).toBe(512 * 7);
    expect(archive.subarray(512 * 5).every((b) => b === 0)).toBe(true);
    const read = readTar(archive);
    expect(read.map((e) => [e.name, e.type, e.size])).toEqual([
      ["etc/", "5", 0],
      ["etc/hostname", "0", 6],
      ["empty", "0", 0],
      ["sh", "2", 0],
    ]);
    expect(read[1]?.data.toString()).toBe("berth\n");
    expect(read[2]?.mode).toBe(0o600);
    expect(read[3]?.link).toBe("/bin/busybox");
  });

  it("handles data of exactly one block without extra padding", () => {
    const archive = writeTar([{ type: "file", path: "f", mode: 0o644, data: Buffer.alloc(512, 1) }], OWNER);
    expect(archive.length).toBe(512 * 4);
    expect(readTar(archive)[0]?.data.equals(Buffer.alloc(512, 1))).toBe(true);
  });
});
