import { gzipSync } from "node:zlib";
import { BerthError, ErrorCode } from "../common/index.js";
import { sha256Digest, type Digest } from "./digest.js";
import { writeTar, type TarEntry, type TarOwner } from "./tar.js";

/** A filesystem entry of an image, at an absolute path inside the image ("/bin/sh"). */
export type LayerEntry = TarEntry;

/** One compressed layer, ready to be a blob of an image. */
export interface Layer {
  /** The gzip-compressed tar: the blob stored under its digest. */
  readonly blob: Buffer;
  /** sha256 of the blob, as the manifest names it. */
  readonly digest: Digest;
  /** sha256 of the uncompressed tar, as the image config's rootfs.diff_ids names it. */
  readonly diffId: Digest;
}

const DIR_MODE = 0o755;

/**
 * A layer holding the entries: paths are checked (absolute, normalized, no duplicates), missing
 * parent directories are added before their children, and everything is owned by `owner`.
 */
export function buildLayer(entries: readonly LayerEntry[], owner: TarOwner): Layer {
  const tar = writeTar(withParents(entries.map(checkedEntry)), owner);
  // node's gzip header carries no timestamp, so equal tars give equal blobs.
  const blob = gzipSync(tar);
  return { blob, digest: sha256Digest(blob), diffId: sha256Digest(tar) };
}

/** The entry with its path relative to the image root ("bin/sh"), after checking it. */
function checkedEntry(entry: LayerEntry): LayerEntry {
  const path = entry.path;
  const segments = path.split("/").slice(1);
  if (
    !path.startsWith("/") ||
    path === "/" ||
    segments.some((s) => s === "" || s === "." || s === "..") ||
    path.includes("\u0000")
  ) {
    throw new BerthError(
      ErrorCode.Invalid,
      `image path "${path}" must be absolute and normalized, without "." or ".." or empty segments`,
      { details: { path } },
    );
  }
  return { ...entry, path: segments.join("/") };
}

function withParents(entries: readonly LayerEntry[]): LayerEntry[] {
  const seen = new Map<string, LayerEntry["type"]>();
  const explicit = new Set<string>();
  const out: LayerEntry[] = [];
  for (const entry of entries) {
    const segments = entry.path.split("/");
    for (let i = 1; i < segments.length; i++) {
      const parent = segments.slice(0, i).join("/");
      const kind = seen.get(parent);
      if (kind === undefined) {
        seen.set(parent, "dir");
        out.push({ type: "dir", path: parent, mode: DIR_MODE });
      } else if (kind !== "dir") {
        throw new BerthError(ErrorCode.Invalid, `image path /${entry.path} lies under /${parent}, a ${kind}`);
      }
    }
    if (seen.has(entry.path)) {
      const why = explicit.has(entry.path) ? "is given twice" : "must be listed before the entries under it";
      throw new BerthError(ErrorCode.Invalid, `image path /${entry.path} ${why}`, {
        details: { path: `/${entry.path}` },
      });
    }
    explicit.add(entry.path);
    seen.set(entry.path, entry.type);
    out.push(entry);
  }
  return out;
}
