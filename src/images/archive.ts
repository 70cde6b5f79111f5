import { digestHex, type Digest } from "./digest.js";
import { jsonBlob, MEDIA_TYPE, type BuiltImage } from "./image.js";
import { writeTar, type TarEntry } from "./tar.js";

// Annotation keys read by the importers: containerd names an imported image after the first,
// skopeo's oci-archive transport and the OCI layout spec use the second.
const ANNOTATION_CONTAINERD_NAME = "io.containerd.image.name";
const ANNOTATION_REF_NAME = "org.opencontainers.image.ref.name";

/**
 * One tarball that is at the same time an OCI image layout (oci-layout, index.json, blobs/) and a
 * docker-archive (manifest.json pointing at the same blobs), so that `ctr images import`,
 * `docker load` and `skopeo copy oci-archive:...` all accept it.
 */
export function writeImageArchive(image: BuiltImage): Buffer {
  const blobs = new Map<Digest, Buffer>();
  blobs.set(image.config.digest, image.config.bytes);
  for (const layer of image.layers) blobs.set(layer.digest, layer.blob);
  blobs.set(image.manifest.digest, image.manifest.bytes);

  const index = jsonBlob({
    schemaVersion: 2,
    mediaType: MEDIA_TYPE.index,
    manifests: [
      {
        mediaType: MEDIA_TYPE.manifest,
        digest: image.manifest.digest,
        size: image.manifest.bytes.length,
        annotations: {
          [ANNOTATION_CONTAINERD_NAME]: image.reference.name,
          [ANNOTATION_REF_NAME]: image.reference.tag,
        },
      },
    ],
  });
  const dockerManifest = jsonBlob([
    {
      Config: blobPath(image.config.digest),
      RepoTags: [image.reference.name],
      Layers: image.layers.map((layer) => blobPath(layer.digest)),
    },
  ]);

  const entries: TarEntry[] = [
    { type: "file", path: "oci-layout", mode: 0o644, data: jsonBlob({ imageLayoutVersion: "1.0.0" }).bytes },
    { type: "file", path: "index.json", mode: 0o644, data: index.bytes },
    { type: "file", path: "manifest.json", mode: 0o644, data: dockerManifest.bytes },
    { type: "dir", path: "blobs", mode: 0o755 },
    { type: "dir", path: "blobs/sha256", mode: 0o755 },
  ];
  for (const [digest, bytes] of blobs) {
    entries.push({ type: "file", path: blobPath(digest), mode: 0o644, data: bytes });
  }
  return writeTar(entries, { uid: 0, gid: 0, mtime: 0 });
}

function blobPath(digest: Digest): string {
  return `blobs/sha256/${digestHex(digest)}`;
}
