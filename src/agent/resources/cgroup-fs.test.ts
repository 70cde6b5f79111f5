import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { nodeCgroupFs } from "./cgroup-fs.js";
import { FakeCgroupTree } from "./fake-cgroup-fs.js";

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "berth-cgfs-"));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("nodeCgroupFs", () => {
  it("mkdir and rmdir report whether they did anything", async () => {
    expect(await nodeCgroupFs.mkdir(`${dir}/a`)).toBe(true);
    expect(await nodeCgroupFs.mkdir(`${dir}/a`)).toBe(false);
    await expect(nodeCgroupFs.mkdir(`${dir}/missing/b`)).rejects.toMatchObject({ code: "ENOENT" });
    expect(await nodeCgroupFs.subdirs(dir)).toEqual(["a"]);
    expect(await nodeCgroupFs.rmdir(`${dir}/a`)).toBe(true);
    expect(await nodeCgroupFs.rmdir(`${dir}/a`)).toBe(false);
    expect(await nodeCgroupFs.subdirs(`${dir}/a`)).toEqual([]);
  });

  it("writes only existing files, replacing their content", async () => {
    await expect(nodeCgroupFs.write(`${dir}/cpu.shares`, "2")).rejects.toMatchObject({ code: "ENOENT" });
    expect(await nodeCgroupFs.exists(`${dir}/cpu.shares`)).toBe(false);
    await writeFile(`${dir}/cpu.shares`, "1024");
    await nodeCgroupFs.write(`${dir}/cpu.shares`, "2");
    expect(await readFile(`${dir}/cpu.shares`, "utf8")).toBe("2");
    expect(await nodeCgroupFs.read(`${dir}/nothing`)).toBeUndefined();
  });
});

describe("FakeCgroupTree", () => {
  it("v1: a new cgroup has its controller's files; rmdir refuses children and processes", async () => {
    const tree = await FakeCgroupTree.v1();
    try {
      await tree.mkdir(`${tree.root}/cpu/a`);
      expect(await tree.read(`${tree.root}/cpu/a/cpu.shares`)).toBe("1024");
      expect(await tree.exists(`${tree.root}/cpu/a/memory.limit_in_bytes`)).toBe(false);
      await expect(tree.write(`${tree.root}/cpu/a/cpu.cfs_quota_us`, "10")).rejects.toMatchObject({
        code: "EINVAL",
      });
      await expect(tree.write(`${tree.root}/cpu/a/nope`, "1")).rejects.toMatchObject({ code: "ENOENT" });
      await tree.mkdir(`${tree.root}/cpu/a/b`);
      await expect(tree.rmdir(`${tree.root}/cpu/a`)).rejects.toMatchObject({ code: "EBUSY" });
      await tree.addProcess(`${tree.root}/cpu/a/b`, 1);
      await expect(tree.rmdir(`${tree.root}/cpu/a/b`)).rejects.toMatchObject({ code: "EBUSY" });
      await tree.clearProcesses(`${tree.root}/cpu/a/b`);
      expect(await tree.rmdir(`${tree.root}/cpu/a/b`)).toBe(true);
      expect(await tree.rmdir(`${tree.root}/cpu/a`)).toBe(true);
    } finally {
      await tree.dispose();
    }
  });

  it("v2: children get only the files of controllers enabled in the parent", async () => {
    const tree = await FakeCgroupTree.v2();
    try {
      await tree.mkdir(`${tree.root}/bare`);
      expect(await tree.exists(`${tree.root}/bare/cpu.weight`)).toBe(false);
      await expect(tree.write(`${tree.root}/cgroup.subtree_control`, "+nonsense")).rejects.toMatchObject({
        code: "EINVAL",
      });
      await tree.write(`${tree.root}/cgroup.subtree_control`, "+memory +cpu");
      expect(await tree.read(`${tree.root}/cgroup.subtree_control`)).toBe("cpu memory");
      await tree.mkdir(`${tree.root}/full`);
      expect(await tree.read(`${tree.root}/full/cpu.weight`)).toBe("100");
      expect(await tree.read(`${tree.root}/full/cgroup.controllers`)).toBe("cpu memory");
      await expect(tree.write(`${tree.root}/full/cpu.weight`, "0")).rejects.toMatchObject({ code: "EINVAL" });
    } finally {
      await tree.dispose();
    }
  });
});
