import { chmod, chown, mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { setVolumeOwnership } from "./ownership.js";

// Needs root (chown to another group), as the agent does.
describe("fsGroup ownership", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "berth-fsgroup-"));
    await mkdir(join(dir, "sub"));
    await writeFile(join(dir, "sub", "file"), "x");
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("gives every file the group, group rw and setgid directories", async () => {
    await setVolumeOwnership(dir, 2345, false);
    const root = await stat(dir);
    const file = await stat(join(dir, "sub", "file"));
    expect(root.gid).toBe(2345);
    expect(root.mode & 0o2070).toBe(0o2070);
    expect(file.gid).toBe(2345);
    expect(file.mode & 0o060).toBe(0o060);
  });

  it("with OnRootMismatch leaves the tree alone when the root already matches", async () => {
    await setVolumeOwnership(dir, 2345, false);
    // a file changed behind the agent's back stays as it is while the root matches
    await chown(join(dir, "sub", "file"), 0, 0);
    await setVolumeOwnership(dir, 2345, false, "OnRootMismatch");
    expect((await stat(join(dir, "sub", "file"))).gid).toBe(0);
    await setVolumeOwnership(dir, 2345, false, "Always");
    expect((await stat(join(dir, "sub", "file"))).gid).toBe(2345);
    // a root without setgid is a mismatch: the whole tree is walked again
    await chown(join(dir, "sub", "file"), 0, 0);
    await chmod(dir, 0o770);
    await setVolumeOwnership(dir, 2345, false, "OnRootMismatch");
    expect((await stat(join(dir, "sub", "file"))).gid).toBe(2345);
  });
});
