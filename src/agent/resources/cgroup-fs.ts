/**
 * The file operations the cgroup code needs, behind a small interface so that unit tests can run it
 * against a temp-dir tree that behaves like cgroupfs (control files appear on mkdir, rmdir ignores
 * them) while the agent uses the real mount.
 */
import { constants } from "node:fs";
import { MOUNTINFO_PATH } from "./mountinfo.js";
import { mkdir, readdir, rmdir, stat, writeFile } from "node:fs/promises";
import { readKernelFile } from "../../common/index.js";

export interface CgroupFs {
  /** Creates one directory; resolves false if it already existed. */
  mkdir(path: string): Promise<boolean>;
  /** Removes one empty cgroup directory; resolves false if it did not exist. */
  rmdir(path: string): Promise<boolean>;
  /** The names of the sub-directories (child cgroups); [] if the directory does not exist. */
  subdirs(path: string): Promise<string[]>;
  exists(path: string): Promise<boolean>;
  /** The file's text, or undefined if it does not exist. */
  read(path: string): Promise<string | undefined>;
  /** Writes an existing control file (never creates one). */
  write(path: string, value: string): Promise<void>;
  /** The text of the agent's mount table (/proc/self/mountinfo). */
  mountinfo(): Promise<string>;
}

function code(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code;
}

/** The real cgroup file system. */
export const nodeCgroupFs: CgroupFs = {
  async mkdir(path) {
    try {
      await mkdir(path);
      return true;
    } catch (err) {
      if (code(err) === "EEXIST") return false;
      throw err;
    }
  },
  async rmdir(path) {
    try {
      await rmdir(path);
      return true;
    } catch (err) {
      if (code(err) === "ENOENT") return false;
      throw err;
    }
  },
  async subdirs(path) {
    try {
      const entries = await readdir(path, { withFileTypes: true });
      return entries.filter((e) => e.isDirectory()).map((e) => e.name);
    } catch (err) {
      if (code(err) === "ENOENT" || code(err) === "ENOTDIR") return [];
      throw err;
    }
  },
  async exists(path) {
    try {
      await stat(path);
      return true;
    } catch (err) {
      if (code(err) === "ENOENT") return false;
      throw err;
    }
  },
  async read(path) {
    try {
      return await readKernelFile(path);
    } catch (err) {
      if (code(err) === "ENOENT") return undefined;
      throw err;
    }
  },
  async write(path, value) {
    // No O_CREAT: a missing control file is an error, never a new plain file.
    await writeFile(path, value, { flag: constants.O_WRONLY | constants.O_TRUNC });
  },
  mountinfo() {
    return readKernelFile(MOUNTINFO_PATH);
  },
};
