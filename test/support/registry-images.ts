/**
 * Images a test makes for itself in the loopback registry, through the registry's HTTP API
 * (distribution v2): one layer holding a file of random bytes, so each image takes its own space
 * on an image filesystem (retagging the shared test image would share its layers and free nothing
 * when removed). Pulled like any other image; never run.
 */
import { createHash, randomBytes } from "node:crypto";
import { gzipSync } from "node:zlib";

const MANIFEST_TYPE = "application/vnd.docker.distribution.manifest.v2+json";
const CONFIG_TYPE = "application/vnd.docker.container.image.v1+json";
const LAYER_TYPE = "application/vnd.docker.image.rootfs.diff.tar.gzip";
const BLOCK = 512;

function sha256(data: Buffer): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

/** A ustar archive holding one regular file. */
function tarOf(name: string, content: Buffer): Buffer {
  const header = Buffer.alloc(BLOCK, 0);
  const field = (offset: number, length: number, text: string) => header.write(text, offset, length, "ascii");
  field(0, 100, name);
  field(100, 8, "0000644\0");
  field(108, 8, "0000000\0");
  field(116, 8, "0000000\0");
  field(124, 12, `${content.length.toString(8).padStart(11, "0")}\0`);
  field(136, 12, "00000000000\0");
  field(148, 8, "        ");
  field(156, 1, "0");
  field(257, 6, "ustar\0");
  field(263, 2, "00");
  let sum = 0;
  for (const byte of header) sum += byte;
  field(148, 8, `${sum.toString(8).padStart(6, "0")}\0 `);
  const padding = Buffer.alloc((BLOCK - (content.length % BLOCK)) % BLOCK, 0);
  return Buffer.concat([header, content, padding, Buffer.alloc(2 * BLOCK, 0)]);
}

async function uploadBlob(registry: string, repository: string, blob: Buffer, digest: string): Promise<void> {
  const start = await fetch(`http://${registry}/v2/${repository}/blobs/uploads/`, { method: "POST" });
  const location = start.headers.get("location");
  if (start.status !== 202 || location === null) {
    throw new Error(`starting a blob upload to ${registry}/${repository}: HTTP ${start.status}`);
  }
  const url = new URL(location, `http://${registry}`);
  url.searchParams.set("digest", digest);
  const put = await fetch(url, {
    method: "PUT",
    headers: { "content-type": "application/octet-stream" },
    body: blob,
  });
  if (put.status !== 201)
    throw new Error(`uploading ${digest} to ${registry}/${repository}: HTTP ${put.status}`);
}

/**
 * Pushes `registry/repository:tag`, one layer with `bytes` random bytes; returns the reference.
 * Random content does not compress: the layer takes about `bytes` in the registry, in the
 * runtime's content store and again unpacked.
 */
export async function pushRandomImage(
  registry: string,
  repository: string,
  tag: string,
  bytes: number,
): Promise<string> {
  const tar = tarOf("random.bin", randomBytes(bytes));
  const layer = gzipSync(tar, { level: 1 });
  const layerDigest = sha256(layer);
  const config = Buffer.from(
    JSON.stringify({
      architecture: "amd64",
      os: "linux",
      config: { Cmd: ["/random.bin"] },
      rootfs: { type: "layers", diff_ids: [sha256(tar)] },
    }),
  );
  const configDigest = sha256(config);
  await uploadBlob(registry, repository, layer, layerDigest);
  await uploadBlob(registry, repository, config, configDigest);
  const manifest = {
    schemaVersion: 2,
    mediaType: MANIFEST_TYPE,
    config: { mediaType: CONFIG_TYPE, size: config.length, digest: configDigest },
    layers: [{ mediaType: LAYER_TYPE, size: layer.length, digest: layerDigest }],
  };
  const put = await fetch(`http://${registry}/v2/${repository}/manifests/${tag}`, {
    method: "PUT",
    headers: { "content-type": MANIFEST_TYPE },
    body: JSON.stringify(manifest),
  });
  if (put.status !== 201) {
    throw new Error(
      `pushing the manifest of ${registry}/${repository}:${tag}: HTTP ${put.status} ${await put.text()}`,
    );
  }
  return `${registry}/${repository}:${tag}`;
}
