/**
 * The fsGroup ownership rule (kubelet: volume.SetVolumeOwnership): every file and directory of the
 * volume gets the group fsGroup; files gain group read (and write, unless the volume is read-only),
 * directories also gain execute and the setgid bit, so that new files inherit the group. Symlinks
 * get the group but no mode change.
 */
import { chmod, lchown, lstat, readdir } from "node:fs/promises";
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

/** Applies the rule to dir and everything under it. */
export async function setVolumeOwnership(dir: string, fsGroup: number, readOnly: boolean): Promise<void> {
  await change(dir, fsGroup, readOnly);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await setVolumeOwnership(path, fsGroup, readOnly);
    else await change(path, fsGroup, readOnly);
  }
}
