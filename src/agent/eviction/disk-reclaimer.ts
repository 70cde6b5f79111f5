/**
 * Node-level reclaim before any pod is evicted for disk (kubelet: the eviction manager's
 * nodeReclaimFuncs, DeleteAllUnusedContainers then DeleteUnusedImages).
 */

/** kubelet: ContainerGC.DeleteAllUnusedContainers and ImageGC.DeleteUnusedImages. */
export interface DiskReclaimer {
  /** Removes every dead container and sandbox of the node. */
  deleteAllUnusedContainers(): Promise<void>;
  /** Removes every image no container uses; the bytes freed. */
  deleteUnusedImages(): Promise<number>;
}

/** The image collector's method the reclaimer calls (kubelet: ImageGCManager.DeleteUnusedImages). */
export interface UnusedImageCollector {
  deleteUnusedImages(): Promise<number>;
}

/**
 * A DiskReclaimer from the container garbage collector and, when the node has one, the image
 * garbage collector; without one, no image is removed and 0 bytes are freed.
 */
export function diskReclaimer(
  deleteAllUnusedContainers: () => Promise<void>,
  images: UnusedImageCollector | undefined,
): DiskReclaimer {
  return {
    deleteAllUnusedContainers,
    deleteUnusedImages: async () => (images === undefined ? 0 : images.deleteUnusedImages()),
  };
}
