/** The garbage collector: ownerReferences, and the orphan and foregroundDeletion finalizers. */
export {
  GarbageCollector,
  FINALIZER_FOREGROUND,
  FINALIZER_ORPHAN,
  GC_WORKERS,
  type GarbageCollectorOptions,
} from "./controller.js";
