/** emptyDir volumes: a world-writable directory under the pod's directory (kubelet: pkg/volume/emptydir). */
import { chmod, mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { IVolume } from "kubernetes-models/v1";
import { podDirectory } from "./pod-directory.js";

export const EMPTY_DIR_PLUGIN = "kubernetes.io~empty-dir"; // kubelet: emptyDir plugin name, escaped

/** <podsDir>/<uid>/volumes/kubernetes.io~empty-dir/<name>, created with mode 0777. */
export async function prepareEmptyDir(volume: IVolume, podsDir: string, uid: string): Promise<string> {
  const dir = join(podDirectory(podsDir, uid), "volumes", EMPTY_DIR_PLUGIN, volume.name);
  await mkdir(dir, { recursive: true });
  await chmod(dir, 0o777); // kubelet: emptyDir is world-writable
  return dir;
}
