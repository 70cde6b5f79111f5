/**
 * Image garbage collection (kubelet: pkg/kubelet/images/image_gc_manager.go and the image half of
 * StartGarbageCollection). Every period it refreshes its image records, removes unused images
 * that went unused longer than imageMaximumGCAge (when set), and when the image filesystem is at
 * or above imageGCHighThresholdPercent it removes unused images, least recently used first, until
 * the bytes needed to get down to imageGCLowThresholdPercent are freed. Images in use by any
 * container of the runtime, pinned ones and the pod infra image are never removed, nor images
 * first seen less than imageMinimumGCAge ago. Not freeing enough is a FreeDiskSpaceFailed event;
 * a collection failing twice in a row is an ImageGCFailed event, both on the Node.
 */
import { BerthError, ErrorCode, errorMessage, type Clock, type Logger } from "../../common/index.js";
import type { ContainerRuntime } from "../../runtime/index.js";
import type { EventRecorder, InvolvedObject } from "../events/index.js";
import {
  EVENT_FREE_DISK_SPACE_FAILED,
  EVENT_IMAGE_GC_FAILED,
  EVENT_INVALID_DISK_CAPACITY,
  IMAGE_GC_DISABLED_HIGH_THRESHOLD,
} from "./constants.js";
import { statfsReader, type FsStatsReader } from "./image-fs.js";
import { ImageRecords, type ImageRecord } from "./image-records.js";

/** KubeletConfiguration's image GC fields, durations in ms. */
export interface ImageGcPolicy {
  readonly highThresholdPercent: number;
  readonly lowThresholdPercent: number;
  readonly minAgeMs: number;
  /** 0: off. */
  readonly maxAgeMs: number;
}

export interface ImageGarbageCollectorOptions {
  readonly runtime: Pick<
    ContainerRuntime,
    "listImages" | "listContainers" | "removeImage" | "imageFsInfo" | "status"
  >;
  readonly policy: ImageGcPolicy;
  /** ms between collections (kubelet: ImageGCPeriod, 5 minutes). */
  readonly periodMs: number;
  /**
   * References never removed, whatever the runtime reports: the pod infra (pause) image. The
   * runtime's own sandbox image (verbose status) is added on every pass.
   */
  readonly pinnedImages: readonly string[];
  readonly nodeName: string;
  readonly recorder: EventRecorder;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Capacity and free space under a path; statfs(2) unless a test passes its own. */
  readonly fsStats?: FsStatsReader;
}

function checkPolicy(p: ImageGcPolicy): void {
  const percent = (n: number) => Number.isInteger(n) && n >= 0 && n <= 100;
  if (!percent(p.highThresholdPercent) || !percent(p.lowThresholdPercent)) {
    throw new BerthError(ErrorCode.Invalid, "image GC thresholds must be integers in [0, 100]");
  }
  if (p.lowThresholdPercent > p.highThresholdPercent) {
    throw new BerthError(
      ErrorCode.Invalid,
      `image GC low threshold ${p.lowThresholdPercent} is above the high threshold ${p.highThresholdPercent}`,
    );
  }
  if (!(p.minAgeMs >= 0) || !(p.maxAgeMs >= 0)) {
    throw new BerthError(ErrorCode.Invalid, "image GC ages must not be negative");
  }
}

export class ImageGarbageCollector {
  readonly #o: ImageGarbageCollectorOptions;
  readonly #log: Logger;
  readonly #records: ImageRecords;
  readonly #nodeRef: InvolvedObject;
  readonly #fsStats: FsStatsReader;
  /** Collections and deleteUnusedImages run one at a time. */
  #chain: Promise<unknown> = Promise.resolve();
  /** kubelet: beganGC, when the periodic collection started (imageMaximumGCAge counts from it). */
  #began: number | undefined;
  #stopped = new AbortController();
  #loop: Promise<void> = Promise.resolve();
  #resolveReady!: () => void;
  /** Resolves once the first collection has run (whatever its outcome). */
  readonly ready: Promise<void> = new Promise((resolve) => (this.#resolveReady = resolve));

  constructor(options: ImageGarbageCollectorOptions) {
    checkPolicy(options.policy);
    if (!(options.periodMs > 0)) throw new BerthError(ErrorCode.Invalid, "image GC period must be positive");
    this.#o = options;
    this.#log = options.logger.child({ component: "image-gc" });
    this.#records = new ImageRecords();
    this.#nodeRef = { kind: "Node", name: options.nodeName, uid: options.nodeName };
    this.#fsStats = options.fsStats ?? statfsReader;
  }

  /** Collects now and then every period until the signal aborts or stop() is called. */
  start(signal: AbortSignal): void {
    if (this.#o.policy.highThresholdPercent === IMAGE_GC_DISABLED_HIGH_THRESHOLD) {
      this.#log.info("imageGCHighThresholdPercent is 100: image garbage collection is off");
      this.#resolveReady();
      return;
    }
    const both = AbortSignal.any([signal, this.#stopped.signal]);
    this.#began = this.#o.clock.now();
    this.#loop = this.#run(both);
  }

  async stop(): Promise<void> {
    this.#stopped.abort();
    this.#resolveReady();
    await this.#loop;
  }

  async #run(signal: AbortSignal): Promise<void> {
    let failedBefore = false;
    while (!signal.aborted) {
      try {
        await this.garbageCollect();
        failedBefore = false;
      } catch (err) {
        const message = errorMessage(err);
        if (failedBefore) {
          // kubelet: only repeated failures become an event.
          this.#log.error({ err: message }, "image garbage collection failed multiple times in a row");
          this.#o.recorder.event(this.#nodeRef, "Warning", EVENT_IMAGE_GC_FAILED, message);
        } else {
          this.#log.warn({ err: message }, "image garbage collection failed once");
        }
        failedBefore = true;
      }
      this.#resolveReady();
      await this.#o.clock.sleep(this.#o.periodMs, signal).catch(() => undefined);
    }
  }

  /** One collection (kubelet: GarbageCollect); throws when it could not free what it had to. */
  garbageCollect(): Promise<void> {
    return this.#serialized(() => this.#garbageCollect());
  }

  /**
   * Removes every unused image old enough to go (kubelet: DeleteUnusedImages, which eviction calls
   * before evicting pods for disk); resolves to the bytes freed, by the images' sizes. Images that
   * could not be removed are logged and skipped.
   */
  deleteUnusedImages(): Promise<number> {
    return this.#serialized(async () => {
      this.#log.info("attempting to delete unused images");
      const freeTime = this.#o.clock.now();
      const images = await this.#evictionOrder(freeTime);
      const { freed, errors } = await this.#freeSpace(Number.POSITIVE_INFINITY, freeTime, images);
      for (const err of errors) this.#log.warn({ err }, "unused image not removed");
      return freed;
    });
  }

  #serialized<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#chain.then(fn, fn);
    this.#chain = next.catch(() => undefined);
    return next;
  }

  async #evictionOrder(freeTime: number): Promise<ImageRecord[]> {
    const [images, containers, sandboxImage] = await Promise.all([
      this.#o.runtime.listImages(),
      this.#o.runtime.listContainers(),
      this.#sandboxImage(),
    ]);
    const pinned =
      sandboxImage === undefined ? this.#o.pinnedImages : [...this.#o.pinnedImages, sandboxImage];
    const inUse = this.#records.detect(images, containers, pinned, freeTime, this.#o.clock.now());
    return this.#records.evictionOrder(inUse);
  }

  /**
   * The runtime's sandbox image (containerd's sandbox_image, which containerd 1.6 does not pin and
   * CRI's container list never shows in use). A runtime that cannot say leaves the configured ones.
   */
  async #sandboxImage(): Promise<string | undefined> {
    try {
      return (await this.#o.runtime.status({ verbose: true })).sandboxImage;
    } catch (err) {
      this.#log.debug({ err: errorMessage(err) }, "runtime status for the sandbox image failed");
      return undefined;
    }
  }

  async #garbageCollect(): Promise<void> {
    const freeTime = this.#o.clock.now();
    let images = await this.#evictionOrder(freeTime);
    images = await this.#freeOldImages(images, freeTime);

    const fs = await this.#o.runtime.imageFsInfo();
    const stats = await this.#fsStats(fs.mountpoint);
    const capacity = stats.capacityBytes;
    const available = Math.min(stats.availableBytes, capacity);
    if (capacity === 0) {
      const message = "invalid capacity 0 on image filesystem";
      this.#o.recorder.event(this.#nodeRef, "Warning", EVENT_INVALID_DISK_CAPACITY, message);
      throw new BerthError(ErrorCode.Internal, message);
    }
    // kubelet's integer arithmetic: usage rounds up, the amount to free down.
    const usagePercent = 100 - Math.trunc((available * 100) / capacity);
    const { highThresholdPercent: high, lowThresholdPercent: low } = this.#o.policy;
    if (usagePercent < high) return;
    const amountToFree = Math.trunc((capacity * (100 - low)) / 100) - available;
    this.#log.info(
      {
        usage: usagePercent,
        highThreshold: high,
        lowThreshold: low,
        amountToFree,
        mountpoint: fs.mountpoint,
      },
      "disk usage on image filesystem is over the high threshold, trying to free bytes down to the low threshold",
    );
    const { freed, errors } = await this.#freeSpace(amountToFree, freeTime, images);
    if (errors.length > 0) {
      throw new BerthError(
        ErrorCode.Internal,
        `wanted to free ${amountToFree} bytes, but freed ${freed} bytes space with errors in image deletion: ${errors.join("; ")}`,
      );
    }
    if (freed < amountToFree) {
      const message = `Failed to garbage collect required amount of images. Attempted to free ${amountToFree} bytes, but only found ${freed} bytes eligible to free.`;
      this.#o.recorder.event(this.#nodeRef, "Warning", EVENT_FREE_DISK_SPACE_FAILED, message);
      throw new BerthError(ErrorCode.Internal, message);
    }
  }

  /** kubelet: freeOldImages; waits until maxAge has passed since collection began. */
  async #freeOldImages(images: ImageRecord[], freeTime: number): Promise<ImageRecord[]> {
    const maxAge = this.#o.policy.maxAgeMs;
    if (maxAge === 0 || this.#began === undefined || freeTime - this.#began <= maxAge) return images;
    const remaining: ImageRecord[] = [];
    const errors: string[] = [];
    for (const image of images) {
      if (freeTime - image.lastUsed <= maxAge) {
        remaining.push(image);
        continue;
      }
      try {
        await this.#remove(image, "age");
      } catch (err) {
        errors.push(errorMessage(err));
        remaining.push(image);
      }
    }
    if (errors.length > 0) {
      throw new BerthError(
        ErrorCode.Internal,
        `wanted to free images older than ${maxAge} ms, encountered errors in image deletion: ${errors.join("; ")}`,
      );
    }
    return remaining;
  }

  /** kubelet: freeSpace; stops once `bytesToFree` are freed. */
  async #freeSpace(
    bytesToFree: number,
    freeTime: number,
    images: readonly ImageRecord[],
  ): Promise<{ freed: number; errors: string[] }> {
    let freed = 0;
    const errors: string[] = [];
    for (const image of images) {
      if (image.lastUsed >= freeTime) continue;
      // An image just pulled is probably about to be used.
      if (freeTime - image.firstDetected < this.#o.policy.minAgeMs) continue;
      try {
        await this.#remove(image, "space");
      } catch (err) {
        errors.push(errorMessage(err));
        continue;
      }
      freed += image.size;
      if (freed >= bytesToFree) break;
    }
    return { freed, errors };
  }

  async #remove(image: ImageRecord, reason: "age" | "space"): Promise<void> {
    this.#log.info(
      { imageID: image.id, image: image.name, size: image.size, reason },
      "removing image to free bytes",
    );
    await this.#o.runtime.removeImage(image.id);
    this.#records.forget(image.id);
  }
}
