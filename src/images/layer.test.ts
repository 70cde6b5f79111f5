import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { ErrorCode, hasCode } from "../common/index.js";
import { sha256Digest } from "./digest.js";
import { buildLayer, type LayerEntry } from "./layer.js";

const OWNER = { uid: 0, gid: 0, mtime: 0 };

/** Member names of an uncompressed tar, in order. */
function names(tar: Buffer): string[] {
  const out: string[] = [];
  for (let offset = 0; offset + 512 <= tar.length;) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const end = header.indexOf(0);
    out.push(header.subarray(0, Math.min(end, 100)).toString());
    const size = parseInt(header.subarray(124, 135).toString(), 8);
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

function codeOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return hasCode(err, ErrorCode.Invalid) ? err.code : err;
  }
  return undefined;
}

describe("buildLayer", () => {
  const entries: LayerEntry[] = [
    { type: "file", path: "/usr/bin/tool", mode: 0o755, data: Buffer.from("#!/bin/sh\n") },
    { type: "symlink", path: "/usr/bin/alias", target: "tool" },
  ];

  it("adds missing parent directories before their children and strips the leading slash", () => {
    const layer = buildLayer(entries, OWNER);
    expect(names(gunzipSync(layer.blob))).toEqual(["usr/", "usr/bin/", "usr/bin/tool", "usr/bin/alias"]);
  });

  it("names the blob by its digest and the tar by its diff id", () => {
    const layer = buildLayer(entries, OWNER);
    expect(layer.digest).toBe(sha256Digest(layer.blob));
    expect(layer.diffId).toBe(sha256Digest(gunzipSync(layer.blob)));
    expect(layer.diffId).not.toBe(layer.digest);
  });

  it("is reproducible: the same entries give the same digests", () => {
    const a = buildLayer(entries, OWNER);
    const b = buildLayer(entries, OWNER);
    expect(b.digest).toBe(a.digest);
    expect(b.blob.equals(a.blob)).toBe(true);
    expect(buildLayer(entries, { ...OWNER, mtime: 1 }).diffId).not.toBe(a.diffId);
  });

  it.each(["relative/path", "/", "/a//b", "/a/./b", "/a/../b", "/a/"])("refuses the path %j", (path) => {
    expect(codeOf(() => buildLayer([{ type: "dir", path, mode: 0o755 }], OWNER))).toBe(ErrorCode.Invalid);
  });

  it("refuses duplicates, entries under a file, and a directory listed after its children", () => {
    const file: LayerEntry = { type: "file", path: "/etc/passwd", mode: 0o644, data: new Uint8Array(0) };
    expect(codeOf(() => buildLayer([file, file], OWNER))).toBe(ErrorCode.Invalid);
    expect(codeOf(() => buildLayer([file, { type: "dir", path: "/etc/passwd/x", mode: 0o755 }], OWNER))).toBe(
      ErrorCode.Invalid,
    );
    expect(() => buildLayer([file, { type: "dir", path: "/etc", mode: 0o755 }], OWNER)).toThrow(
      /listed before the entries under it/,
    );
  });
});
