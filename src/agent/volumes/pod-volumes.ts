/**
 * A pod's volumes on the host (kubelet: volume manager): each volume the spec names is prepared by
 * its kind's file. Kinds without a file here are not prepared, so a mount of one is a
 * CreateContainerConfigError naming the volume (container/mounts.ts).
 */
import type { IPod } from "kubernetes-models/v1";
import { prepareEmptyDir } from "./empty-dir.js";
import { prepareHostPath } from "./host-path.js";

/** Creates the pod's emptyDir directories and checks its hostPaths; volume name -> host path. */
export async function preparePodVolumes(pod: IPod, podsDir: string): Promise<Map<string, string>> {
  const uid = pod.metadata?.uid ?? "";
  const paths = new Map<string, string>();
  for (const volume of pod.spec?.volumes ?? []) {
    if (volume.emptyDir !== undefined) {
      paths.set(volume.name, await prepareEmptyDir(volume, podsDir, uid));
    } else if (volume.hostPath !== undefined) {
      paths.set(volume.name, await prepareHostPath(volume));
    }
  }
  return paths;
}
