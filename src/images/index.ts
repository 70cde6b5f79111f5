export { writeImageArchive } from "./archive.js";
export { sha256Digest, digestHex, type Digest } from "./digest.js";
export { dir, hostFile, symlink, textFile } from "./entries.js";
export {
  buildImage,
  machineArchitecture,
  IMAGE_EPOCH_SECONDS,
  MEDIA_TYPE,
  type BuiltImage,
  type Blob,
  type ImageRunConfig,
  type ImageSpec,
} from "./image.js";
export type { Layer, LayerEntry } from "./layer.js";
export { LOCAL_IMAGE_TAG, pauseImage, testImage, type LocalImageInputs } from "./local-images.js";
export { taggedReference, type TaggedReference } from "./tagged-reference.js";
export { writeTar, type TarEntry, type TarOwner } from "./tar.js";
