import { BerthError, ErrorCode } from "../../common/index.js";
import type { ContainerConfig, Image } from "../types.js";

/**
 * The runAsNonRoot check the real adapters make before creating a container (the kubelet's
 * verifyRunAsNonRoot): an explicit runAsUser must not be 0; otherwise the image's user decides,
 * "" meaning root, and a user name cannot be proven non-root.
 */
export function checkRunAsNonRoot(config: ContainerConfig, image: Image): void {
  const security = config.security;
  if (security?.runAsNonRoot !== true) return;
  const refuse = (why: string): never => {
    throw new BerthError(ErrorCode.Invalid, `container ${config.metadata.name}: ${why}`, {
      causes: [{ reason: "FieldValueForbidden", message: why, field: "securityContext.runAsNonRoot" }],
    });
  };
  if (security.runAsUser !== undefined) {
    if (security.runAsUser === 0) refuse("runAsUser 0 breaks the runAsNonRoot policy");
    return;
  }
  const user = image.user.split(":")[0] ?? "";
  if (user === "" || user === "0" || user === "root")
    refuse("runAsNonRoot is set but the image runs as root");
  if (!/^\d+$/.test(user))
    refuse(`runAsNonRoot is set and the image user ${JSON.stringify(user)} is not numeric`);
}
