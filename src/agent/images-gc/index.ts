/** Image garbage collection (kubelet: pkg/kubelet/images, the garbage collector half). */
export {
  ImageGarbageCollector,
  type ImageGarbageCollectorOptions,
  type ImageGcPolicy,
} from "./image-gc-manager.js";
export { statfsReader, type FsStats, type FsStatsReader } from "./image-fs.js";
export {
  EVENT_FREE_DISK_SPACE_FAILED,
  EVENT_IMAGE_GC_FAILED,
  EVENT_INVALID_DISK_CAPACITY,
  IMAGE_GC_DISABLED_HIGH_THRESHOLD,
} from "./constants.js";
