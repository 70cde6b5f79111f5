/**
 * The fsGroup ownership rule (kubelet: volume.SetVolumeOwnership): every file and directory of the
 * volume gets the group fsGroup; files gain group read (and write, unless the volume is read-only),
 * directories also gain execute and the setgid bit, so that new files inherit the group. Symlinks
 * get the group but no mode change.
 */
import { chmod, lchown, lstat, readdir, stat } from "node:fs/promises";
import { join } from "node:path";

/** kubelet: rwMask, roMask, execMask. */
const RW_MASK = 0o660;
const RO_MASK = 0o440;
const EXEC_MASK = 0o110;
const SETGID = 0o2000;

async function change(path: string, fsGroup: number, readOnly: boolean): Promise<void> {
  const info = await lstat(path);
  await lchown(path, -1, fsGroup);
  if (info.isSymbolicLink()) return;
  let mask = readOnly ? RO_MASK : RW_MASK;
  if (info.isDirectory()) mask |= SETGID | EXEC_MASK;
  await chmod(path, (info.mode & 0o7777) | mask);
}

/** PodSecurityContext.fsGroupChangePolicy; absent means Always. */
export type FsGroupChangePolicy = "Always" | "OnRootMismatch";

/**
 * Whether the volume's root already has the group and the permissions the rule gives, so that
 * OnRootMismatch may skip the walk (kubelet: requiresPermissionChange).
 */
async function rootMatches(dir: string, fsGroup: number, readOnly: boolean): Promise<boolean> {
  const info = await stat(dir);
  if (info.gid !== fsGroup || !info.isDirectory()) return false;
  const wanted = (readOnly ? RO_MASK : RW_MASK) | EXEC_MASK;
  return (info.mode & wanted) === wanted && (info.mode & SETGID) !== 0;
}

async function walk(dir: string, fsGroup: number, readOnly: boolean): Promise<void> {
  await change(dir, fsGroup, readOnly);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await walk(path, fsGroup, readOnly);
    else await change(path, fsGroup, readOnly);
  }
}

/**
 * Applies the rule to dir and everything under it; with OnRootMismatch only when the root does
 * not already match (kubelet: skipPermissionChange).
 */
export async function setVolumeOwnership(
  dir: string,
  fsGroup: number,
  readOnly: boolean,
  policy: FsGroupChangePolicy | undefined = "Always",
): Promise<void> {
  if (policy === "OnRootMismatch" && (await rootMatches(dir, fsGroup, readOnly))) return;
  await walk(dir, fsGroup, readOnly);
}
