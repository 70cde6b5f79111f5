/**
 * tmpfs mounts for memory-backed volumes (secrets, projected volumes, emptyDir with medium
 * Memory), through mount(8) and umount(8) (kubelet: mount-utils). Unit tests inject a fake.
 */
import { execFile } from "node:child_process";
import { stat } from "node:fs/promises";
import { readKernelFile } from "../../common/index.js";
import { dirname } from "node:path";
import { promisify } from "node:util";
import { BerthError, ErrorCode, errorMessage } from "../../common/index.js";

const run = promisify(execFile);

export interface Mounter {
  /** Mounts a tmpfs on dir unless something is mounted there already; size in bytes when limited. */
  ensureTmpfs(dir: string, sizeBytes?: number): Promise<void>;
  /** Unmounts everything mounted at or below dir, deepest first. */
  unmountUnder(dir: string): Promise<void>;
}

/** /proc/self/mountinfo escapes space, tab, newline and backslash as octal. */
function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

async function mountPoints(): Promise<string[]> {
  const text = await readKernelFile("/proc/self/mountinfo");
  return text
    .split("\n")
    .map((line) => line.split(" ")[4])
    .filter((p): p is string => p !== undefined && p !== "")
    .map(unescape);
}

async function isMountPoint(dir: string): Promise<boolean> {
  const [self, parent] = await Promise.all([stat(dir), stat(dirname(dir))]);
  return self.dev !== parent.dev;
}

export const hostMounter: Mounter = {
  async ensureTmpfs(dir, sizeBytes) {
    if (await isMountPoint(dir)) return;
    const options = ["mode=0755", ...(sizeBytes === undefined ? [] : [`size=${sizeBytes}`])].join(",");
    try {
      await run("mount", ["-t", "tmpfs", "-o", options, "tmpfs", dir]);
    } catch (err) {
      throw new BerthError(ErrorCode.Internal, `mount tmpfs on ${dir}: ${errorMessage(err)}`, { cause: err });
    }
  },
  async unmountUnder(dir) {
    const prefix = dir.endsWith("/") ? dir : `${dir}/`;
    const under = (await mountPoints()).filter((p) => p === dir || p.startsWith(prefix));
    for (const point of under.sort((a, b) => b.length - a.length)) {
      try {
        await run("umount", [point]);
      } catch (err) {
        throw new BerthError(ErrorCode.Internal, `umount ${point}: ${errorMessage(err)}`, { cause: err });
      }
    }
  },
};
