import { BerthError, ErrorCode, parseImageReference } from "../common/index.js";

/** The name a built image is known by locally: a reference with a tag and no digest. */
export interface TaggedReference {
  /** The whole reference, as given: "127.0.0.1:5000/berth/test:1.0". */
  readonly name: string;
  /** Everything before the tag, as written: "127.0.0.1:5000/berth/test". */
  readonly repository: string;
  readonly tag: string;
}

/** Parses a reference that must carry a tag; a digest or a missing tag is refused. */
export function taggedReference(name: string): TaggedReference {
  const ref = parseImageReference(name);
  if (ref.tag === undefined || ref.digest !== undefined) {
    throw new BerthError(
      ErrorCode.InvalidImageName,
      `image name "${name}" is not a tagged reference such as registry:5000/repo/name:tag`,
      { details: { image: name } },
    );
  }
  return { name, repository: ref.name, tag: ref.tag };
}
