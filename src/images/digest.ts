import { createHash } from "node:crypto";

/** An OCI content digest, "sha256:<64 hex>". */
export type Digest = `sha256:${string}`;

export function sha256Digest(data: Uint8Array | string): Digest {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

/** The hex part of a digest, which names a blob under blobs/sha256/. */
export function digestHex(digest: Digest): string {
  return digest.slice("sha256:".length);
}
