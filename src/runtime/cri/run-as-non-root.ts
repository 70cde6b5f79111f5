import { BerthError, ErrorCode } from "../../common/errors.js";
import type { ContainerConfig, Image } from "../types.js";

/** The reason the kubelet reports when a container's config cannot be built. */
export const CREATE_CONTAINER_CONFIG_ERROR = "CreateContainerConfigError"; // kubelet: ErrCreateContainerConfig

function refuse(config: ContainerConfig, message: string): BerthError {
  return new BerthError(ErrorCode.Invalid, message, {
    details: { reason: CREATE_CONTAINER_CONFIG_ERROR, container: config.metadata.name },
  });
}

/**
 * runAsNonRoot as the kubelet checks it before creating a container: an explicit runAsUser must
 * not be 0; without one, the image's user decides, and an unset user means root. A user name
 * cannot be checked without the image's /etc/passwd, so it is refused as well.
 * `image` is the image's status, undefined when it is not present.
 */
export function verifyRunAsNonRoot(config: ContainerConfig, image: Image | undefined): void {
  const security = config.security;
  if (!security?.runAsNonRoot) return;
  const name = config.metadata.name;
  if (security.runAsUser !== undefined) {
    if (security.runAsUser === 0) {
      throw refuse(config, `container ${name}: runAsUser 0 breaks the runAsNonRoot policy`);
    }
    return;
  }
  if (!image) {
    throw new BerthError(
      ErrorCode.ImageNotFound,
      `container ${name}: image ${config.image.image} is not present, its user cannot be checked for runAsNonRoot`,
    );
  }
  if (image.uid === undefined && image.user !== "") {
    throw refuse(
      config,
      `container ${name} has runAsNonRoot and its image has the non-numeric user ${JSON.stringify(image.user)}: cannot verify that it is not root`,
    );
  }
  if (image.uid === undefined || image.uid === 0) {
    throw refuse(config, `container ${name} has runAsNonRoot but its image would run as root`);
  }
}
