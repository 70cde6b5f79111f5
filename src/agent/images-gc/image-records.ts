/**
 * What image garbage collection knows of each image (kubelet: realImageGCManager.imageRecords and
 * detectImages): when the agent first saw it, when a container last used it, its size, whether it
 * is pinned. Refreshed from the runtime's image and container lists; an image is in use while any
 * container of the runtime, running or not, was made from it. Pure bookkeeping: times are passed in.
 */
import { parseImageReference, normalizedImage } from "../../common/index.js";
import type { Container, Image } from "../../runtime/index.js";

export interface ImageRecord {
  readonly id: string;
  /** ms since the epoch. */
  readonly firstDetected: number;
  /** ms since the epoch; 0 when no container has been seen using it. */
  readonly lastUsed: number;
  readonly size: number;
  readonly pinned: boolean;
  /** A tag or digest to name it in logs. */
  readonly name: string;
}

/** A reference in the form images list it; a string that does not parse stays as it is. */
function normalized(ref: string): string {
  try {
    return normalizedImage(parseImageReference(ref));
  } catch {
    return ref;
  }
}

function imageNames(image: Image): Set<string> {
  return new Set([image.id, ...image.repoTags.map(normalized), ...image.repoDigests.map(normalized)]);
}

export class ImageRecords {
  readonly #records = new Map<string, ImageRecord>();

  /**
   * Takes in the runtime's images and containers: new images are recorded as detected at
   * `detectTime`, images in use get `now` as their last use, vanished images are forgotten.
   * `pinnedRefs` name images never collected whatever the runtime says (the sandbox image).
   * Returns the ids of the images in use.
   */
  detect(
    images: readonly Image[],
    containers: readonly Container[],
    pinnedRefs: readonly string[],
    detectTime: number,
    now: number,
  ): Set<string> {
    const pinnedNames = new Set(pinnedRefs.map(normalized));
    const usedRefs = new Set<string>();
    for (const c of containers) {
      if (c.imageRef !== "") usedRefs.add(normalized(c.imageRef));
      if (c.image.image !== "") usedRefs.add(normalized(c.image.image));
    }
    const inUse = new Set<string>();
    const present = new Set<string>();
    for (const image of images) {
      present.add(image.id);
      const names = imageNames(image);
      const used = [...names].some((n) => usedRefs.has(n));
      if (used) inUse.add(image.id);
      const pinned = image.pinned === true || [...names].some((n) => pinnedNames.has(n));
      const old = this.#records.get(image.id);
      this.#records.set(image.id, {
        id: image.id,
        firstDetected: old?.firstDetected ?? detectTime,
        lastUsed: used ? now : (old?.lastUsed ?? 0),
        size: image.size,
        pinned,
        name: image.repoTags[0] ?? image.repoDigests[0] ?? image.id,
      });
    }
    for (const id of [...this.#records.keys()]) if (!present.has(id)) this.#records.delete(id);
    return inUse;
  }

  /**
   * The images collection may remove, least recently used first, ties broken by first detection
   * (kubelet: imagesInEvictionOrder, byLastUsedAndDetected); images in use and pinned ones left out.
   */
  evictionOrder(inUse: ReadonlySet<string>): ImageRecord[] {
    return [...this.#records.values()]
      .filter((r) => !inUse.has(r.id) && !r.pinned)
      .sort((a, b) => a.lastUsed - b.lastUsed || a.firstDetected - b.firstDetected);
  }

  forget(id: string): void {
    this.#records.delete(id);
  }

  get(id: string): ImageRecord | undefined {
    return this.#records.get(id);
  }
}
