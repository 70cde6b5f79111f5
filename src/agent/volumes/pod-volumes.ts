/**
 * The volumes that live on the node alone (kubelet: the emptydir and hostpath plugins). Kinds
 * without a plugin here or in api-volumes.ts are not prepared, so a mount of one is a
 * CreateContainerConfigError naming the volume (container/mounts.ts).
 */
import type { IPod, IVolume } from "kubernetes-models/v1";
import { prepareEmptyDir } from "./empty-dir.js";
import { prepareHostPath } from "./host-path.js";
import type { Mounter } from "./mounter.js";

/** Prepares an emptyDir or hostPath volume and returns its host path; undefined for other kinds. */
export async function prepareLocalVolume(
  volume: IVolume,
  pod: IPod,
  podDir: string,
  mounter: Mounter,
): Promise<string | undefined> {
  if (volume.emptyDir !== undefined) return prepareEmptyDir(volume, pod, podDir, mounter);
  if (volume.hostPath !== undefined) return prepareHostPath(volume);
  return undefined;
}
