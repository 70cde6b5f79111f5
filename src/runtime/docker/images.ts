/**
 * Images through Docker: pull with registry credentials (sent as X-Registry-Auth), status with
 * the image's configured user, list and remove. Pull failures arrive either as an HTTP status
 * or inside the progress stream; both become BerthErrors.
 */
import type Docker from "dockerode";
import { BerthError, ErrorCode, isImageId, parseImageReference } from "../../common/index.js";
import type { AuthConfig, Image, ImageFsInfo } from "../types.js";
import { imageUid } from "./container-options.js";
import { fromDockerError, fromMessage, isDockerNotFound } from "./errors.js";

/** The X-Registry-Auth payload; a docker-config `auth` ("base64(user:password)") is split. */
export function registryAuth(auth: AuthConfig | undefined): Record<string, string> | undefined {
  if (!auth) return undefined;
  let { username, password } = auth;
  if (auth.auth && (username === undefined || password === undefined)) {
    const decoded = Buffer.from(auth.auth, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) {
      throw new BerthError(ErrorCode.Invalid, "registry auth must be base64 of user:password");
    }
    username ??= decoded.slice(0, colon);
    password ??= decoded.slice(colon + 1);
  }
  const out: Record<string, string> = {};
  if (username !== undefined) out["username"] = username;
  if (password !== undefined) out["password"] = password;
  if (auth.serverAddress !== undefined) out["serveraddress"] = auth.serverAddress;
  if (auth.identityToken !== undefined) out["identitytoken"] = auth.identityToken;
  if (auth.registryToken !== undefined) out["registrytoken"] = auth.registryToken;
  return out;
}

/**
 * An image as imageStatus and removeImage take it, a reference or an image id, checked before it
 * reaches Docker, which reads some malformed references as Docker Hub names (and tries the
 * network) or fails with messages that say nothing about the reference.
 */
export function checkImageRef(image: string): void {
  if (!isImageId(image)) parseImageReference(image);
}

/** fromImage and tag of a pull; a reference without tag or digest means ":latest" (never "all tags"). */
export function pullTarget(image: string): { fromImage: string; tag: string } {
  const ref = parseImageReference(image);
  // Docker takes a digest in the tag parameter; with both, the digest decides what is pulled.
  return { fromImage: ref.name, tag: ref.digest ?? ref.tag ?? "latest" };
}

/** The fields of an image inspect this module reads. */
export interface DockerImageInspect {
  readonly Id: string;
  readonly RepoTags?: readonly string[] | null;
  readonly RepoDigests?: readonly string[] | null;
  readonly Size: number;
  readonly Config?: { readonly User?: string } | null;
}

export function imageFromInspect(inspect: DockerImageInspect): Image {
  const user = inspect.Config?.User ?? "";
  const uid = imageUid(user);
  return {
    id: inspect.Id,
    repoTags: [...(inspect.RepoTags ?? [])].filter((t) => t !== "<none>:<none>"),
    repoDigests: [...(inspect.RepoDigests ?? [])].filter((d) => d !== "<none>@<none>"),
    size: inspect.Size,
    user,
    ...(uid !== undefined ? { uid } : {}),
  };
}

/** Reads a pull's progress stream to its end; throws on the first error message in it. */
export async function consumePull(body: AsyncIterable<Buffer | string>, image: string): Promise<void> {
  let pending = "";
  const check = (line: string): void => {
    if (line.trim() === "") return;
    let message: { error?: string; errorDetail?: { message?: string } };
    try {
      message = JSON.parse(line) as typeof message;
    } catch {
      return;
    }
    const error = message.errorDetail?.message ?? message.error;
    if (error !== undefined) throw fromMessage(undefined, error, "image", `pull ${image}`);
  };
  for await (const chunk of body) {
    pending += typeof chunk === "string" ? chunk : chunk.toString("utf8");
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    lines.forEach(check);
  }
  check(pending);
}

export async function pullImage(docker: Docker, image: string, auth?: AuthConfig): Promise<string> {
  const target = pullTarget(image);
  const authconfig = registryAuth(auth);
  try {
    const body = (await docker.createImage(authconfig ?? {}, target)) as AsyncIterable<Buffer>;
    await consumePull(body, image);
    const inspect = await docker.getImage(image).inspect();
    return inspect.Id;
  } catch (err) {
    throw fromDockerError(err, "image", `pull ${image}`);
  }
}

export async function imageStatus(docker: Docker, image: string): Promise<Image | undefined> {
  checkImageRef(image);
  try {
    return imageFromInspect(await docker.getImage(image).inspect());
  } catch (err) {
    if (isDockerNotFound(err)) return undefined;
    throw fromDockerError(err, "image", `image ${image}`);
  }
}

export async function listImages(docker: Docker): Promise<Image[]> {
  try {
    const summaries = await docker.listImages();
    const images = await Promise.all(
      summaries.map(async (s) => {
        try {
          return imageFromInspect(await docker.getImage(s.Id).inspect());
        } catch (err) {
          if (isDockerNotFound(err)) return undefined; // removed meanwhile
          throw err;
        }
      }),
    );
    return images.filter((i): i is Image => i !== undefined);
  } catch (err) {
    throw fromDockerError(err, "image", "list images");
  }
}

/**
 * Removes an image reference; given the image's id, every tag of it and then the image. Removing
 * an absent image succeeds. An image in use by a container is a Conflict.
 */
export async function removeImage(docker: Docker, image: string): Promise<void> {
  const current = await imageStatus(docker, image);
  if (!current) return;
  const byId = current.id === image || current.id === `sha256:${image}`;
  const refs = byId ? [...current.repoTags, current.id] : [image];
  for (const ref of refs) {
    try {
      await docker.getImage(ref).remove();
    } catch (err) {
      if (isDockerNotFound(err)) continue;
      if ((err as { statusCode?: number }).statusCode === 409) {
        throw new BerthError(
          ErrorCode.Conflict,
          `image ${image} is in use: ${fromDockerError(err, "image", ref).message}`,
          {
            cause: err,
          },
        );
      }
      throw fromDockerError(err, "image", `remove image ${ref}`);
    }
  }
}

/**
 * Docker has no ImageFsInfo: the image filesystem is the storage driver's directory under the
 * daemon's data root (`DockerRootDir`/`Driver` from /info, as cri-dockerd reports it), and the
 * bytes used are the sum of the images' sizes (layers shared by several images counted once per
 * image, so an upper bound).
 */
export async function imageFsInfo(docker: Docker): Promise<ImageFsInfo> {
  try {
    const [info, summaries] = await Promise.all([
      docker.info() as Promise<{ DockerRootDir?: string; Driver?: string }>,
      docker.listImages(),
    ]);
    const root = info.DockerRootDir ?? "";
    if (root === "") throw new BerthError(ErrorCode.Internal, "docker info: no DockerRootDir");
    const mountpoint = info.Driver ? `${root}/${info.Driver}` : root;
    return { mountpoint, usedBytes: summaries.reduce((sum, s) => sum + (s.Size > 0 ? s.Size : 0), 0) };
  } catch (err) {
    if (err instanceof BerthError) throw err;
    throw fromDockerError(err, "daemon", "docker info");
  }
}
