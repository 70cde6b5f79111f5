import { join } from "node:path";

/** A pod's directory on the host, <podsDir>/<uid> (kubelet: getPodDir). */
export function podDirectory(podsDir: string, uid: string): string {
  return join(podsDir, uid);
}
