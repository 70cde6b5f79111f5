/**
 * emptyDir volumes (kubelet: pkg/volume/emptydir): a world-writable directory under the pod's
 * directory; with medium Memory a tmpfs, limited to sizeLimit when one is given. fsGroup
 * ownership applies.
 */
import { chmod, mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { IPod, IVolume } from "kubernetes-models/v1";
import { Quantity } from "../../common/index.js";
import { MountError } from "./errors.js";
import type { Mounter } from "./mounter.js";
import { setVolumeOwnership, type FsGroupChangePolicy } from "./ownership.js";

export const EMPTY_DIR_PLUGIN = "kubernetes.io~empty-dir"; // kubelet: emptyDir plugin name, escaped

function sizeLimitBytes(volume: IVolume): number | undefined {
  const limit = volume.emptyDir?.sizeLimit;
  if (limit === undefined) return undefined;
  try {
    const bytes = Number(Quantity.parse(limit).value());
    return bytes > 0 ? bytes : undefined;
  } catch {
    throw new MountError(`invalid emptyDir sizeLimit ${JSON.stringify(limit)}`);
  }
}

/** <podDir>/volumes/kubernetes.io~empty-dir/<name>, mode 0777 (with fsGroup: group-owned, setgid). */
export async function prepareEmptyDir(
  volume: IVolume,
  pod: IPod,
  podDir: string,
  mounter: Mounter,
): Promise<string> {
  const dir = join(podDir, "volumes", EMPTY_DIR_PLUGIN, volume.name);
  await mkdir(dir, { recursive: true });
  if (volume.emptyDir?.medium === "Memory") await mounter.ensureTmpfs(dir, sizeLimitBytes(volume));
  await chmod(dir, 0o777); // kubelet: emptyDir is world-writable
  const fsGroup = pod.spec?.securityContext?.fsGroup;
  const policy = pod.spec?.securityContext?.fsGroupChangePolicy as FsGroupChangePolicy | undefined;
  if (fsGroup !== undefined) await setVolumeOwnership(dir, fsGroup, false, policy);
  return dir;
}
