/**
 * One cgroup mount layout (v1 with a directory per controller, or the v2 unified tree) behind the
 * operations the pod cgroup code needs. Paths are cgroup paths ("/kubepods/burstable") relative to
 * the mount; the implementations are in cgroup-v1.ts and cgroup-v2.ts.
 */
import { BerthError, ErrorCode, errorMessage } from "../../common/index.js";
import type { CgroupFs } from "./cgroup-fs.js";
import type { CgroupResourceConfig } from "./pod-resources.js";

export type CgroupVersion = "v1" | "v2";

export interface CgroupHierarchy {
  readonly version: CgroupVersion;
  /** Creates the cgroup and its missing ancestors; idempotent. */
  create(path: string): Promise<void>;
  /** Writes the configured limits; fields left undefined are not touched. */
  apply(path: string, config: CgroupResourceConfig): Promise<void>;
  /** Removes the cgroup and any child cgroups left in it; a cgroup already gone is fine. */
  remove(path: string): Promise<void>;
  /** Names of the child cgroups (union over controllers for v1). */
  children(path: string): Promise<string[]>;
  /** The cgroup's cpu shares (v2: the shares its cpu.weight stands for); undefined if unreadable. */
  readCpuShares(path: string): Promise<number | undefined>;
  /**
   * A count that moves when the cgroup's own memory limit made the kernel act (oom-count.ts);
   * undefined if unreadable.
   */
  readOomCount(path: string): Promise<number | undefined>;
}

/** A cgroup path joined under a mount directory. */
export function under(dir: string, path: string): string {
  return path === "/" ? dir : `${dir}${path}`;
}

/** The errno code of a failed file operation. */
export function errnoOf(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code;
}

/** Wraps a file-system failure in a BerthError naming the file, keeping errno in details. */
export function cgroupError(action: string, path: string, err: unknown): BerthError {
  if (err instanceof BerthError) return err;
  const errno = (err as NodeJS.ErrnoException | null)?.code;
  return new BerthError(ErrorCode.Internal, `cgroup: cannot ${action} ${path}: ${errorMessage(err)}`, {
    cause: err,
    details: { path, ...(errno === undefined ? {} : { errno }) },
  });
}

/**
 * Removes `dir` after its sub-directories, deepest first. Fails with the errno in details when a
 * cgroup still has processes (EBUSY); calling again later finishes the job.
 */
export async function removeTree(fs: CgroupFs, dir: string): Promise<void> {
  for (const child of await fs.subdirs(dir)) await removeTree(fs, `${dir}/${child}`);
  try {
    await fs.rmdir(dir);
  } catch (err) {
    throw cgroupError("remove", dir, err);
  }
}

/** Writes one control file, wrapping failures. */
export async function writeControl(fs: CgroupFs, file: string, value: string): Promise<void> {
  try {
    await fs.write(file, value);
  } catch (err) {
    throw cgroupError("write", file, err);
  }
}

/** The components of a cgroup path: "/a/b" -> ["a", "b"]. */
export function components(path: string): string[] {
  return path.split("/").filter((p) => p !== "");
}
