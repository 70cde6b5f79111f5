import { BerthError, ErrorCode } from "../common/index.js";
import { sha256Digest, type Digest } from "./digest.js";
import { buildLayer, type Layer, type LayerEntry } from "./layer.js";
import { taggedReference, type TaggedReference } from "./tagged-reference.js";

export const MEDIA_TYPE = {
  // opencontainers/image-spec media types
  index: "application/vnd.oci.image.index.v1+json",
  manifest: "application/vnd.oci.image.manifest.v1+json",
  config: "application/vnd.oci.image.config.v1+json",
  layerGzip: "application/vnd.oci.image.layer.v1.tar+gzip",
} as const;

/** The run configuration an image carries (the "config" object of the OCI image config). */
export interface ImageRunConfig {
  readonly entrypoint?: readonly string[];
  readonly cmd?: readonly string[];
  /** "NAME=value" strings. */
  readonly env?: readonly string[];
  /** "uid", "uid:gid" or a name from the image's /etc/passwd. */
  readonly user?: string;
  readonly workingDir?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly stopSignal?: string;
}

export interface ImageSpec {
  /** Tagged reference the image is known by locally, e.g. 127.0.0.1:5000/berth/test:1.0. */
  readonly name: string;
  /** The image's filesystem, one layer. */
  readonly entries: readonly LayerEntry[];
  readonly config: ImageRunConfig;
  /** GOARCH name; defaults to the machine's. */
  readonly architecture?: string;
}

/** A built image: every blob with its digest, ready to be archived. */
export interface BuiltImage {
  readonly reference: TaggedReference;
  readonly layers: readonly Layer[];
  readonly config: Blob;
  readonly manifest: Blob;
}

export interface Blob {
  readonly bytes: Buffer;
  readonly digest: Digest;
}

/** Timestamps inside images are fixed so that rebuilding the same inputs gives the same digests. */
export const IMAGE_EPOCH_SECONDS = 0;
const IMAGE_OWNER = { uid: 0, gid: 0, mtime: IMAGE_EPOCH_SECONDS };

/** node's process.arch -> GOARCH, the names image configs use. */
const GOARCH: Readonly<Record<string, string>> = {
  x64: "amd64",
  arm64: "arm64",
  arm: "arm",
  ia32: "386",
  ppc64: "ppc64le",
  s390x: "s390x",
  riscv64: "riscv64",
};

export function machineArchitecture(): string {
  const arch = GOARCH[process.arch];
  if (arch === undefined) {
    throw new BerthError(ErrorCode.Unsupported, `no image architecture known for node arch ${process.arch}`);
  }
  return arch;
}

export function buildImage(spec: ImageSpec): BuiltImage {
  const reference = taggedReference(spec.name);
  checkRunConfig(spec.config);
  const layer = buildLayer(spec.entries, IMAGE_OWNER);
  const created = new Date(IMAGE_EPOCH_SECONDS * 1000).toISOString();
  const config = jsonBlob({
    created,
    architecture: spec.architecture ?? machineArchitecture(),
    os: "linux",
    config: runConfigJson(spec.config),
    rootfs: { type: "layers", diff_ids: [layer.diffId] },
    history: [{ created, created_by: `berth image builder: ${reference.name}` }],
  });
  const manifest = jsonBlob({
    schemaVersion: 2,
    mediaType: MEDIA_TYPE.manifest,
    config: { mediaType: MEDIA_TYPE.config, digest: config.digest, size: config.bytes.length },
    layers: [{ mediaType: MEDIA_TYPE.layerGzip, digest: layer.digest, size: layer.blob.length }],
  });
  return { reference, layers: [layer], config, manifest };
}

export function jsonBlob(value: unknown): Blob {
  const bytes = Buffer.from(JSON.stringify(value), "utf8");
  return { bytes, digest: sha256Digest(bytes) };
}

/** The OCI config object, with its capitalized field names; absent fields stay absent. */
function runConfigJson(config: ImageRunConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (config.user !== undefined) out["User"] = config.user;
  if (config.env !== undefined) out["Env"] = [...config.env];
  if (config.entrypoint !== undefined) out["Entrypoint"] = [...config.entrypoint];
  if (config.cmd !== undefined) out["Cmd"] = [...config.cmd];
  if (config.workingDir !== undefined) out["WorkingDir"] = config.workingDir;
  if (config.labels !== undefined) out["Labels"] = { ...config.labels };
  if (config.stopSignal !== undefined) out["StopSignal"] = config.stopSignal;
  return out;
}

function checkRunConfig(config: ImageRunConfig): void {
  for (const entry of config.env ?? []) {
    if (!/^[^=]+=/.test(entry)) {
      throw new BerthError(ErrorCode.Invalid, `image env entry "${entry}" is not NAME=value`);
    }
  }
  if (config.workingDir !== undefined && !config.workingDir.startsWith("/")) {
    throw new BerthError(ErrorCode.Invalid, `image working dir "${config.workingDir}" must be absolute`);
  }
  if (config.user !== undefined && !/^[A-Za-z0-9_.-]+(?::[A-Za-z0-9_.-]+)?$/.test(config.user)) {
    throw new BerthError(ErrorCode.Invalid, `image user "${config.user}" is not user or user:group`);
  }
}
