/**
 * Image references as distribution/reference reads them: [domain[:port]/]path[:tag][@digest].
 * Parsed here once for the agent, the runtime adapters, the API server's defaulting and the image
 * builder.
 */
import { BerthError, ErrorCode } from "./errors.js";

/** The registry of references that name none (distribution/reference: defaultDomain). */
export const DEFAULT_REGISTRY = "docker.io";
/** The old name of that registry, read as it (distribution/reference: legacyDefaultDomain). */
export const LEGACY_DEFAULT_REGISTRY = "index.docker.io";
/** Single-component Docker Hub names live here (distribution/reference: officialRepoPrefix). */
export const OFFICIAL_REPOSITORY_PREFIX = "library/";
/** The tag of a reference with neither tag nor digest (distribution/reference: defaultTag). */
export const DEFAULT_TAG = "latest";
/** Longest repository name (distribution/reference: NameTotalLengthMax). */
export const NAME_TOTAL_LENGTH_MAX = 255;

const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN = new RegExp(
  `^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?$`,
);
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
/** An image id as Docker prints it, full or short. */
const IMAGE_ID = /^(?:sha256:)?[0-9a-f]{12,64}$/;

export interface ImageReference {
  /** The repository as written, without tag and digest: "127.0.0.1:5000/berth/test", "busybox". */
  readonly name: string;
  /** The registry host: as written, else DEFAULT_REGISTRY ("127.0.0.1:5000", "docker.io"). */
  readonly domain: string;
  /** The repository path inside the registry, "library/" added on Docker Hub ("library/busybox"). */
  readonly path: string;
  /** domain/path, the normalised repository ("docker.io/library/busybox"). */
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
}

function invalid(ref: string, why: string): BerthError {
  return new BerthError(
    ErrorCode.InvalidImageName,
    `invalid image reference ${JSON.stringify(ref)}: ${why}`,
    {
      details: { image: ref },
    },
  );
}

/** Parses and normalises a reference; a malformed one is an InvalidImageName error. */
export function parseImageReference(ref: string): ImageReference {
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw invalid(ref, "malformed digest");
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw invalid(ref, "malformed tag");
  }
  if (rest === "") throw invalid(ref, "no repository name");
  if (rest.length > NAME_TOTAL_LENGTH_MAX) {
    throw invalid(ref, `repository name longer than ${NAME_TOTAL_LENGTH_MAX} characters`);
  }
  const components = rest.split("/");
  const first = components[0] as string;
  // distribution/reference splitDockerDomain: the first component is a registry when it has a "."
  // or a ":", is localhost, or has an upper-case letter (which a path component cannot).
  const hasDomain =
    components.length > 1 &&
    (first.includes(".") || first.includes(":") || first === "localhost" || first.toLowerCase() !== first);
  if (hasDomain && !DOMAIN.test(first)) throw invalid(ref, `malformed registry "${first}"`);
  const pathComponents = hasDomain ? components.slice(1) : components;
  for (const component of pathComponents) {
    if (!PATH_COMPONENT.test(component)) {
      throw invalid(
        ref,
        `repository path component "${component}" must be lowercase letters, digits and separators`,
      );
    }
  }
  let domain = hasDomain ? first : DEFAULT_REGISTRY;
  if (domain === LEGACY_DEFAULT_REGISTRY) domain = DEFAULT_REGISTRY;
  let path = pathComponents.join("/");
  if (domain === DEFAULT_REGISTRY && pathComponents.length === 1)
    path = `${OFFICIAL_REPOSITORY_PREFIX}${path}`;
  return {
    name: rest,
    domain,
    path,
    repository: `${domain}/${path}`,
    ...(tag !== undefined ? { tag } : {}),
    ...(digest !== undefined ? { digest } : {}),
  };
}

/**
 * The tag a pull uses: the written one, DEFAULT_TAG when there is neither tag nor digest, none
 * for a digest alone (kubernetes parsers.ParseImageName).
 */
export function effectiveTag(ref: ImageReference): string | undefined {
  return ref.tag ?? (ref.digest === undefined ? DEFAULT_TAG : undefined);
}

/** repository@digest when pinned, else repository:tag with the default tag filled in. */
export function normalizedImage(ref: ImageReference): string {
  return ref.digest !== undefined
    ? `${ref.repository}@${ref.digest}`
    : `${ref.repository}:${effectiveTag(ref)}`;
}

/** Whether a string is an image id ("sha256:<hex>" or a hex prefix) rather than a reference. */
export function isImageId(image: string): boolean {
  return IMAGE_ID.test(image);
}

/**
 * The pull policy the API server defaults a container to (core/v1 SetDefaults_Container): Always
 * for the tag "latest" (written or implied), IfNotPresent otherwise, including a digest alone and
 * a reference that does not parse (validation reports that one).
 */
export function defaultPullPolicy(image: string): "Always" | "IfNotPresent" {
  let tag: string | undefined;
  try {
    tag = effectiveTag(parseImageReference(image));
  } catch {
    tag = undefined;
  }
  return tag === DEFAULT_TAG ? "Always" : "IfNotPresent";
}
