import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { ErrorCode, hasCode } from "../common/index.js";
import { writeImageArchive } from "./archive.js";
import { sha256Digest } from "./digest.js";
import { buildImage, MEDIA_TYPE, type ImageSpec } from "./image.js";

/** name -> content of every regular file of an uncompressed tar. */
function files(tar: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (let offset = 0; offset + 512 <= tar.length;) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const end = header.indexOf(0);
    const name = header.subarray(0, Math.min(end, 100)).toString();
    const size = parseInt(header.subarray(124, 135).toString(), 8);
    if (header[156] === 0x30) out.set(name, tar.subarray(offset + 512, offset + 512 + size));
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

function json(buf: Buffer | undefined): Record<string, unknown> {
  expect(buf).toBeDefined();
  return JSON.parse(String(buf)) as Record<string, unknown>;
}

const SPEC: ImageSpec = {
  name: "127.0.0.1:5000/berth/sample:1.0",
  entries: [
    { type: "file", path: "/bin/hello", mode: 0o755, data: Buffer.from("hello") },
    { type: "dir", path: "/tmp", mode: 0o1777 },
  ],
  config: { entrypoint: ["/bin/hello"], cmd: ["world"], env: ["A=1"], user: "65534", workingDir: "/tmp" },
  architecture: "amd64",
};

describe("buildImage", () => {
  it("writes an OCI manifest whose config and layer descriptors match the blobs", () => {
    const image = buildImage(SPEC);
    const manifest = json(image.manifest.bytes);
    expect(manifest).toEqual({
      schemaVersion: 2,
      mediaType: MEDIA_TYPE.manifest,
      config: { mediaType: MEDIA_TYPE.config, digest: image.config.digest, size: image.config.bytes.length },
      layers: [
        {
          mediaType: MEDIA_TYPE.layerGzip,
          digest: image.layers[0]?.digest,
          size: image.layers[0]?.blob.length,
        },
      ],
    });
    expect(image.manifest.digest).toBe(sha256Digest(image.manifest.bytes));
    expect(image.config.digest).toBe(sha256Digest(image.config.bytes));
  });

  it("writes the run config with the OCI field names and the layer's diff id", () => {
    const image = buildImage(SPEC);
    const config = json(image.config.bytes);
    expect(config["architecture"]).toBe("amd64");
    expect(config["os"]).toBe("linux");
    expect(config["config"]).toEqual({
      Entrypoint: ["/bin/hello"],
      Cmd: ["world"],
      Env: ["A=1"],
      User: "65534",
      WorkingDir: "/tmp",
    });
    expect(config["rootfs"]).toEqual({ type: "layers", diff_ids: [image.layers[0]?.diffId] });
  });

  it("refuses bad names and bad run config with stable codes", () => {
    const codeOf = (spec: ImageSpec): unknown => {
      try {
        buildImage(spec);
      } catch (err) {
        return hasCode(err, ErrorCode.Invalid) || hasCode(err, ErrorCode.InvalidImageName) ? err.code : err;
      }
      return undefined;
    };
    expect(codeOf({ ...SPEC, name: "no-tag" })).toBe(ErrorCode.InvalidImageName);
    expect(codeOf({ ...SPEC, config: { env: ["NOVALUE"] } })).toBe(ErrorCode.Invalid);
    expect(codeOf({ ...SPEC, config: { workingDir: "relative" } })).toBe(ErrorCode.Invalid);
    expect(codeOf({ ...SPEC, config: { user: "a b" } })).toBe(ErrorCode.Invalid);
  });
});

describe("writeImageArchive", () => {
  const image = buildImage(SPEC);
  const archive = files(writeImageArchive(image));

  it("is an OCI layout whose index names the image for containerd and skopeo", () => {
    expect(json(archive.get("oci-layout"))).toEqual({ imageLayoutVersion: "1.0.0" });
    expect(json(archive.get("index.json"))).toEqual({
      schemaVersion: 2,
      mediaType: MEDIA_TYPE.index,
      manifests: [
        {
          mediaType: MEDIA_TYPE.manifest,
          digest: image.manifest.digest,
          size: image.manifest.bytes.length,
          annotations: {
            "io.containerd.image.name": "127.0.0.1:5000/berth/sample:1.0",
            "org.opencontainers.image.ref.name": "1.0",
          },
        },
      ],
    });
  });

  it("is a docker archive whose manifest.json points at the same blobs", () => {
    const hex = (d: string) => d.slice("sha256:".length);
    const dockerManifest = JSON.parse(String(archive.get("manifest.json"))) as unknown;
    expect(dockerManifest).toEqual([
      {
        Config: `blobs/sha256/${hex(image.config.digest)}`,
        RepoTags: ["127.0.0.1:5000/berth/sample:1.0"],
        Layers: [`blobs/sha256/${hex(image.layers[0]?.digest ?? "")}`],
      },
    ]);
  });

  it("stores every blob under its own sha256", () => {
    const blobs = [...archive].filter(([name]) => name.startsWith("blobs/sha256/"));
    expect(blobs).toHaveLength(3);
    for (const [name, bytes] of blobs) expect(sha256Digest(bytes)).toBe(`sha256:${name.split("/")[2]}`);
    const layerBlob = archive.get(`blobs/sha256/${image.layers[0]?.digest.slice(7)}`);
    expect(layerBlob && sha256Digest(gunzipSync(layerBlob))).toBe(image.layers[0]?.diffId);
  });
});
