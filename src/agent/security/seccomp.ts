/**
 * seccomp (kubelet: kuberuntime getSeccompProfile / fieldSeccompProfile). The container's field
 * wins over the pod's; without either the profile is Unconfined, or RuntimeDefault with the
 * agent's seccompDefault. A Localhost profile is a file relative to the kubelet's seccomp root
 * (<root-dir>/seccomp).
 */
import { access } from "node:fs/promises";
import { join } from "node:path";
import type { IContainer, IPod, ISeccompProfile } from "kubernetes-models/v1";
import { BerthError, ErrorCode } from "../../common/index.js";
import type { SecurityProfile } from "../../runtime/index.js";

/** The kubelet's seccomp profile root under its root dir (kubelet: seccompProfileRoot). */
export const SECCOMP_ROOT_NAME = "seccomp";

export interface SeccompOptions {
  /** <root-dir>/seccomp. */
  readonly root: string;
  /** KubeletConfiguration seccompDefault: RuntimeDefault when neither pod nor container sets one. */
  readonly seccompDefault: boolean;
}

function fromField(field: ISeccompProfile, root: string): SecurityProfile {
  if (field.type === "RuntimeDefault") return { type: "RuntimeDefault" };
  if (field.type === "Localhost") {
    if (!field.localhostProfile) {
      throw new BerthError(
        ErrorCode.Invalid,
        "localhostProfile must be set if seccompProfile type is Localhost.",
      );
    }
    return { type: "Localhost", localhostRef: join(root, field.localhostProfile) };
  }
  return { type: "Unconfined" };
}

/** The seccomp profile the runtime applies to `container`. */
export function seccompProfile(pod: IPod, container: IContainer, options: SeccompOptions): SecurityProfile {
  const field = container.securityContext?.seccompProfile ?? pod.spec?.securityContext?.seccompProfile;
  if (field !== undefined) return fromField(field, options.root);
  return options.seccompDefault ? { type: "RuntimeDefault" } : { type: "Unconfined" };
}

/**
 * Checks that a Localhost profile's file is there, so that a missing one is a
 * CreateContainerConfigError with the same message on every runtime.
 */
export async function checkSeccompProfile(profile: SecurityProfile | undefined): Promise<void> {
  if (profile?.type !== "Localhost") return;
  try {
    await access(profile.localhostRef);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file or directory" : String(code ?? err);
    throw new BerthError(
      ErrorCode.Invalid,
      `cannot load seccomp profile ${JSON.stringify(profile.localhostRef)}: open ${profile.localhostRef}: ${why}`,
    );
  }
}
