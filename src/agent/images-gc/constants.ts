/** Event reasons of image garbage collection (kubelet: pkg/kubelet/events). */
export const EVENT_FREE_DISK_SPACE_FAILED = "FreeDiskSpaceFailed";
export const EVENT_IMAGE_GC_FAILED = "ImageGCFailed";
export const EVENT_INVALID_DISK_CAPACITY = "InvalidDiskCapacity";

/** kubelet: a high threshold of 100 turns image garbage collection off. */
export const IMAGE_GC_DISABLED_HIGH_THRESHOLD = 100;
