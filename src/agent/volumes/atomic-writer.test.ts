import { lstat, mkdtemp, readFile, readdir, readlink, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../common/index.js";
import {
  AtomicWriter,
  DATA_DIR_NAME,
  NEW_DATA_DIR_NAME,
  timestampPrefix,
  validatePath,
  type Payload,
} from "./atomic-writer.js";

function payload(entries: Record<string, string | [string, number]>): Payload {
  return new Map(
    Object.entries(entries).map(([path, v]) => {
      const [text, mode] = typeof v === "string" ? [v, 0o644] : v;
      return [path, { data: Buffer.from(text), mode }];
    }),
  );
}

describe("AtomicWriter", () => {
  let dir: string;
  let clock: ManualClock;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "atomic-writer-"));
    clock = new ManualClock(Date.UTC(2026, 11, 3, 16, 59, 1));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("lays files out in a timestamped directory behind ..data, top-level names linked through it", async () => {
    const writer = new AtomicWriter(dir, { clock });
    expect(await writer.write(payload({ a: "1", "sub/b": ["2", 0o400] }))).toBe(true);
    const ts = await readlink(join(dir, DATA_DIR_NAME));
    expect(ts.startsWith("..2026_12_03_16_59_01.")).toBe(true);
    expect(await readlink(join(dir, "a"))).toBe("..data/a");
    expect(await readlink(join(dir, "sub"))).toBe("..data/sub");
    expect(await readFile(join(dir, "a"), "utf8")).toBe("1");
    expect(await readFile(join(dir, "sub/b"), "utf8")).toBe("2");
    expect((await stat(join(dir, "sub/b"))).mode & 0o777).toBe(0o400);
    expect((await stat(join(dir, "a"))).mode & 0o777).toBe(0o644);
    expect((await lstat(join(dir, "a"))).isSymbolicLink()).toBe(true);
  });

  it("changes nothing when the payload is the same", async () => {
    const writer = new AtomicWriter(dir, { clock });
    await writer.write(payload({ a: "1" }));
    const before = await readlink(join(dir, DATA_DIR_NAME));
    await clock.advance(5_000);
    expect(await writer.write(payload({ a: "1" }))).toBe(false);
    expect(await readlink(join(dir, DATA_DIR_NAME))).toBe(before);
  });

  it("swaps to a new directory on change, removes the old one and names no longer there", async () => {
    const writer = new AtomicWriter(dir, { clock });
    await writer.write(payload({ a: "1", gone: "x" }));
    const first = await readlink(join(dir, DATA_DIR_NAME));
    await clock.advance(61_000);
    expect(await writer.write(payload({ a: "2", added: "y" }))).toBe(true);
    const second = await readlink(join(dir, DATA_DIR_NAME));
    expect(second).not.toBe(first);
    expect(second.startsWith("..2026_12_03_17_00_02.")).toBe(true);
    expect(await readFile(join(dir, "a"), "utf8")).toBe("2");
    expect(await readFile(join(dir, "added"), "utf8")).toBe("y");
    expect((await readdir(dir)).sort()).toEqual([DATA_DIR_NAME, second, "a", "added"].sort());
  });

  it("keeps the old set whole behind ..data until the one rename, and leaves no ..data_tmp", async () => {
    const writer = new AtomicWriter(dir, { clock });
    await writer.write(payload({ a: "1", b: "1" }));
    const first = await readlink(join(dir, DATA_DIR_NAME));
    await clock.advance(1_000);
    let during: string[] = [];
    await writer.write(payload({ a: "2", b: "2" }), async (ts) => {
      // the new directory is complete, the reader still sees only the old set
      expect(await readFile(join(ts, "a"), "utf8")).toBe("2");
      expect(await readlink(join(dir, DATA_DIR_NAME))).toBe(first);
      during = [await readFile(join(dir, "a"), "utf8"), await readFile(join(dir, "b"), "utf8")];
    });
    expect(during).toEqual(["1", "1"]);
    expect([await readFile(join(dir, "a"), "utf8"), await readFile(join(dir, "b"), "utf8")]).toEqual([
      "2",
      "2",
    ]);
    expect(await readdir(dir)).not.toContain(NEW_DATA_DIR_NAME);
    expect(await readdir(dir)).not.toContain(first);
  });

  it("rewrites when only a mode changed", async () => {
    const writer = new AtomicWriter(dir, { clock });
    await writer.write(payload({ a: "1" }));
    expect(await writer.write(payload({ a: ["1", 0o600] }))).toBe(true);
    expect((await stat(join(dir, "a"))).mode & 0o777).toBe(0o600);
  });

  it("runs setPerms on the new directory before it is visible", async () => {
    const writer = new AtomicWriter(dir, { clock });
    let seen: string | undefined;
    await writer.write(payload({ a: "1" }), async (ts) => {
      seen = ts;
      await expect(readlink(join(dir, DATA_DIR_NAME))).rejects.toThrow();
    });
    expect(seen).toBe(join(dir, await readlink(join(dir, DATA_DIR_NAME))));
  });

  it("refuses paths that escape or hide", async () => {
    const writer = new AtomicWriter(dir, { clock });
    await expect(writer.write(payload({ "../x": "1" }))).rejects.toThrow("must not contain '..'");
    await expect(writer.write(payload({ "/etc/x": "1" }))).rejects.toThrow("must be relative path");
    await expect(writer.write(payload({ "..x": "1" }))).rejects.toThrow("must not start with '..'");
    expect(await readdir(dir)).toEqual([]);
  });
});

describe("validatePath and timestampPrefix", () => {
  it("accepts nested relative paths and limits segment length", () => {
    expect(() => validatePath("a/b/c.txt")).not.toThrow();
    expect(() => validatePath("x".repeat(256))).toThrow("less than or equal to 255");
  });
  it("formats UTC time as the kubelet does", () => {
    expect(timestampPrefix(Date.UTC(2026, 0, 2, 3, 4, 5))).toBe("..2026_01_02_03_04_05.");
  });
});
