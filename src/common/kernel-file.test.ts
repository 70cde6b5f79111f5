import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readKernelFile } from "./kernel-file.js";

describe("readKernelFile", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "berth-kernel-file-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads files shorter than, equal to and longer than a page", async () => {
    for (const length of [0, 1, 4095, 4096, 4097, 3 * 4096 + 17]) {
      const text = Array.from({ length }, (_, i) => String.fromCharCode(97 + (i % 26))).join("");
      const path = join(dir, `f-${length}`);
      await writeFile(path, text);
      expect(await readKernelFile(path), `length ${length}`).toBe(text);
    }
  });

  it("decodes a UTF-8 character that straddles two pages", async () => {
    const text = `${"x".repeat(4095)}é${"y".repeat(10)}`;
    const path = join(dir, "utf8");
    await writeFile(path, text);
    expect(await readKernelFile(path)).toBe(text);
  });

  it("reads procfs files, whose size reads as 0", async () => {
    const status = await readKernelFile("/proc/self/status");
    expect(status).toMatch(/^Name:\s+\S+/);
    expect(status).toMatch(/^VmRSS:\s+\d+ kB$/m);
    expect(status.endsWith("\n")).toBe(true);
  });

  it("rejects a missing file with ENOENT, as readFile does", async () => {
    await expect(readKernelFile(join(dir, "missing"))).rejects.toMatchObject({ code: "ENOENT" });
  });
});
