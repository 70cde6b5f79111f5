/**
 * runAsNonRoot, checked once by the agent before CreateContainer (kubelet: verifyRunAsNonRoot in
 * kuberuntime, with the image's user from getImageUser). The runtimes have no such field: the
 * policy is the agent's.
 */
import type { IContainer, IPod } from "kubernetes-models/v1";
import { BerthError, ErrorCode } from "../../../common/index.js";
import type { Image } from "../../../runtime/index.js";
import { CREATE_CONTAINER_CONFIG_ERROR } from "./env.js";

/** The largest valid user id (kubelet: validation.IsValidUserID, math.MaxInt32). */
export const MAX_USER_ID = 2_147_483_647;

/** The image's user as the kubelet's getImageUser gives it: a uid, else a name, else root. */
export function imageUser(image: Image | undefined): { uid: number } | { name: string } {
  if (image?.uid !== undefined) return { uid: image.uid };
  if (image !== undefined && image.user !== "") return { name: image.user };
  return { uid: 0 };
}

function refuse(message: string): BerthError {
  return new BerthError(ErrorCode.Invalid, message, { details: { reason: CREATE_CONTAINER_CONFIG_ERROR } });
}

/**
 * Throws a CreateContainerConfigError when the container's effective securityContext asks for
 * runAsNonRoot and the user it would run as is root or cannot be told apart from root. The image's
 * user is asked of the runtime only when runAsUser is unset; an image it reports no status for
 * counts as root.
 */
export async function verifyRunAsNonRoot(
  pod: IPod,
  container: IContainer,
  imageStatus: (image: string) => Promise<Image | undefined>,
): Promise<void> {
  const podSc = pod.spec?.securityContext;
  const sc = container.securityContext;
  if ((sc?.runAsNonRoot ?? podSc?.runAsNonRoot) !== true) return;
  const m = pod.metadata ?? {};
  const where = `(pod: "${m.name ?? ""}_${m.namespace ?? ""}(${m.uid ?? ""})", container: ${container.name})`;
  const runAsUser = sc?.runAsUser ?? podSc?.runAsUser;
  if (runAsUser !== undefined) {
    if (runAsUser === 0) throw refuse(`container's runAsUser breaks non-root policy ${where}`);
    return;
  }
  const user = imageUser(await imageStatus(container.image ?? ""));
  if ("name" in user) {
    throw refuse(
      `container has runAsNonRoot and image has non-numeric user (${user.name}), cannot verify user is non-root ${where}`,
    );
  }
  if (user.uid === 0) throw refuse(`container has runAsNonRoot and image will run as root ${where}`);
  if (user.uid < 0 || user.uid > MAX_USER_ID) {
    throw refuse(
      `container has runAsNonRoot and image has an invalid user id (${user.uid}). (Must be 1-(${MAX_USER_ID})): must be between 0 and ${MAX_USER_ID}, inclusive ${where}`,
    );
  }
}
