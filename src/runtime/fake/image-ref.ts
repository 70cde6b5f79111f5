import { BerthError, ErrorCode } from "../../common/index.js";

/**
 * Image references as registries and the Docker CLI read them: [domain/]path[:tag][@digest],
 * with docker.io/library/ and :latest filled in (distribution/reference's normalised form).
 */
export interface ImageRef {
  /** domain/path, e.g. "docker.io/library/busybox". */
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
  /** repository:tag or repository@digest. */
  readonly normalized: string;
}

const COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const DOMAIN =
  "(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?";
const REFERENCE = new RegExp(
  `^(?:(${DOMAIN})/)?(${COMPONENT}(?:/${COMPONENT})*)(?::([\\w][\\w.-]{0,127}))?(?:@([a-z0-9]+(?:[.+_-][a-z0-9]+)*:[0-9a-fA-F]{32,}))?$`,
);

export function parseImageRef(image: string): ImageRef {
  const match = REFERENCE.exec(image);
  if (!match || image.length > 255) {
    throw new BerthError(ErrorCode.InvalidImageName, `invalid image reference ${JSON.stringify(image)}`, {
      details: { image },
    });
  }
  let domain = match[1];
  let path = match[2] as string;
  // "foo/bar": "foo" is a domain only when it looks like one (a dot, a port, or localhost).
  if (
    domain !== undefined &&
    !/[.:]/.test(domain) &&
    domain !== "localhost" &&
    domain.toLowerCase() === domain
  ) {
    path = `${domain}/${path}`;
    domain = undefined;
  }
  domain ??= "docker.io";
  if (domain === "docker.io" && !path.includes("/")) path = `library/${path}`;
  const repository = `${domain}/${path}`;
  const digest = match[4];
  const tag = match[3] ?? (digest === undefined ? "latest" : undefined);
  const normalized = digest !== undefined ? `${repository}@${digest}` : `${repository}:${tag as string}`;
  return {
    repository,
    normalized,
    ...(tag !== undefined ? { tag } : {}),
    ...(digest !== undefined ? { digest } : {}),
  };
}

/** The registry host of a normalised repository ("docker.io", "127.0.0.1:5000"). */
export function registryOf(ref: ImageRef): string {
  return ref.repository.slice(0, ref.repository.indexOf("/"));
}
