/**
 * Capacity and free space of the filesystem holding the runtime's images (kubelet: the stats
 * provider's ImageFsStats). The runtime names the directory (CRI ImageFsInfo, or Docker's data
 * root); the agent asks the kernel about the filesystem under it, as cadvisor does.
 */
import { statfs } from "node:fs/promises";
import { BerthError, ErrorCode, errorMessage } from "../../common/index.js";

export interface FsStats {
  readonly capacityBytes: number;
  /** What an unprivileged writer may still use (statfs f_bavail). */
  readonly availableBytes: number;
}

export type FsStatsReader = (path: string) => Promise<FsStats>;

/** statfs(2) of the filesystem holding `path`. */
export const statfsReader: FsStatsReader = async (path) => {
  try {
    const s = await statfs(path);
    return { capacityBytes: s.blocks * s.bsize, availableBytes: s.bavail * s.bsize };
  } catch (err) {
    throw new BerthError(ErrorCode.Internal, `image filesystem ${path}: ${errorMessage(err)}`, {
      cause: err,
    });
  }
};
