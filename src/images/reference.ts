import { BerthError, ErrorCode } from "../common/index.js";

/** A tagged image reference split into its parts: "127.0.0.1:5000/berth/test:1.0". */
export interface ImageReference {
  /** The whole reference, as given. */
  readonly name: string;
  /** Everything before the tag: "127.0.0.1:5000/berth/test". */
  readonly repository: string;
  readonly tag: string;
}

// distribution/reference grammar, reduced to what local images need: lowercase path components
// separated by ., _, __ or -, an optional host[:port] first, and a mandatory tag.
const COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const LABEL = "[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?";
// As in docker's normalization, a first component is a host only when it has a dot or a port, or
// is localhost.
const HOST = `(?:localhost(?::[0-9]+)?|${LABEL}(?:\\.${LABEL})+(?::[0-9]+)?|${LABEL}:[0-9]+)`;
const TAG = "[\\w][\\w.-]{0,127}";
const REFERENCE = new RegExp(`^((?:${HOST}/)?${COMPONENT}(?:/${COMPONENT})*):(${TAG})$`);

/** Parses a reference that must carry a tag; a digest or a missing tag is refused. */
export function parseImageReference(name: string): ImageReference {
  const match = REFERENCE.exec(name);
  if (match === null || match[1] === undefined || match[2] === undefined) {
    throw new BerthError(
      ErrorCode.InvalidImageName,
      `image name "${name}" is not a tagged reference such as registry:5000/repo/name:tag`,
      { details: { image: name } },
    );
  }
  return { name, repository: match[1], tag: match[2] };
}
