/**
 * ImageLocality: prefers nodes that already hold the pod's images (node.status.images), each
 * image's size scaled by the share of nodes holding it, the sum mapped from 23 MiB..1000 MiB per
 * container onto 0..100.
 */
import { MAX_NODE_SCORE, type ScorePlugin } from "../framework.js";
import type { NodeInfo } from "../node-info.js";

const MB = 1024 * 1024;
// imagelocality: minThreshold, maxContainerThreshold
export const IMAGE_MIN_THRESHOLD = 23 * MB;
export const IMAGE_MAX_CONTAINER_THRESHOLD = 1000 * MB;
const SPREAD = "ImageLocality/spread";

/** imagelocality normalizedImageName: a reference without tag or digest means :latest. */
export function normalizedImageName(name: string): string {
  return name.lastIndexOf(":") <= name.lastIndexOf("/") ? `${name}:latest` : name;
}

export function imageLocalityScore(weight: number): ScorePlugin {
  return {
    name: "ImageLocality",
    weight,
    preScore(state) {
      const images = [
        ...(state.pod.pod.spec?.initContainers ?? []),
        ...(state.pod.pod.spec?.containers ?? []),
      ].map((c) => normalizedImageName(c.image ?? ""));
      const spread = new Map<string, number>();
      for (const image of images) {
        const holders = state.allNodes.filter((n: NodeInfo) => n.images.has(image)).length;
        spread.set(image, state.allNodes.length === 0 ? 0 : holders / state.allNodes.length);
      }
      state.write(SPREAD, { images, spread });
      return true;
    },
    score(state, node) {
      const data = state.read<{ images: string[]; spread: Map<string, number> }>(SPREAD);
      if (data === undefined || data.images.length === 0) return 0;
      let sum = 0;
      for (const image of data.images) {
        const size = node.images.get(image);
        if (size !== undefined) sum += Math.trunc(size * (data.spread.get(image) ?? 0));
      }
      const max = IMAGE_MAX_CONTAINER_THRESHOLD * data.images.length;
      const clamped = Math.min(Math.max(sum, IMAGE_MIN_THRESHOLD), max);
      return Math.trunc((MAX_NODE_SCORE * (clamped - IMAGE_MIN_THRESHOLD)) / (max - IMAGE_MIN_THRESHOLD));
    },
  };
}
