/**
 * Image references checked before they reach Docker, which otherwise reads some malformed ones as
 * Docker Hub names (and tries the network) or fails with messages that say nothing about the
 * reference. The grammar is distribution/reference's: [domain[:port]/]path[:tag][@digest], path
 * components lowercase, tag up to 128 word characters, digest "algorithm:hex".
 */
import { BerthError, ErrorCode } from "../../common/index.js";

const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN = new RegExp(
  `^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?$`,
);
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
/** An image id as Docker prints it, full or short. */
const IMAGE_ID = /^(?:sha256:)?[0-9a-f]{12,64}$/;
const NAME_MAX = 255; // distribution/reference: NameTotalLengthMax

export interface ImageReference {
  /** Repository with its domain, as written: "127.0.0.1:5000/berth/test". */
  readonly name: string;
  readonly tag?: string;
  readonly digest?: string;
}

function invalid(ref: string, why: string): BerthError {
  return new BerthError(ErrorCode.InvalidImageName, `invalid image reference ${JSON.stringify(ref)}: ${why}`);
}

export function parseReference(ref: string): ImageReference {
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
  if (rest.length > NAME_MAX) throw invalid(ref, `repository name longer than ${NAME_MAX} characters`);
  const components = rest.split("/");
  const first = components[0] as string;
  // The first component is a registry when it looks like a host (has "." or ":" or is localhost).
  const hasDomain =
    components.length > 1 && (first.includes(".") || first.includes(":") || first === "localhost");
  if (hasDomain && !DOMAIN.test(first)) throw invalid(ref, `malformed registry "${first}"`);
  for (const component of hasDomain ? components.slice(1) : components) {
    if (!PATH_COMPONENT.test(component)) {
      throw invalid(
        ref,
        `repository path component "${component}" must be lowercase letters, digits and separators`,
      );
    }
  }
  return { name: rest, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** An image as imageStatus and removeImage take it: a reference or an image id. */
export function checkImageRef(ref: string): void {
  if (!IMAGE_ID.test(ref)) parseReference(ref);
}
