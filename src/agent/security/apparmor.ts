/**
 * AppArmor (kubelet: pkg/kubelet/apparmor and pkg/security/apparmor). The profile of a container
 * comes from its own field, then the deprecated per-container annotation, then the pod's field.
 * On a host without AppArmor a pod that asks for any profile other than Unconfined is refused at
 * admission, as the kubelet's AppArmor admit handler does.
 */
import type { IContainer, IPod } from "kubernetes-models/v1";
import { readKernelFile } from "../../common/index.js";
import type { SecurityProfile } from "../../runtime/index.js";
import type { SecurityAdmitResult } from "./admit-result.js";

/** kubelet: lifecycle.AppArmorNotAdmittedReason */
export const REASON_APPARMOR = "AppArmor";
/** v1.DeprecatedAppArmorBetaContainerAnnotationKeyPrefix */
export const APPARMOR_ANNOTATION_PREFIX = "container.apparmor.security.beta.kubernetes.io/";
/** v1.DeprecatedAppArmorBetaProfileRuntimeDefault, ProfileNameUnconfined, ProfileNamePrefix */
export const APPARMOR_ANNOTATION_RUNTIME_DEFAULT = "runtime/default";
export const APPARMOR_ANNOTATION_UNCONFINED = "unconfined";
export const APPARMOR_ANNOTATION_LOCALHOST_PREFIX = "localhost/";
/** Where the kernel says whether AppArmor is on (runc: apparmor.IsEnabled). */
export const APPARMOR_ENABLED_PATH = "/sys/module/apparmor/parameters/enabled";

/** Whether the host enforces AppArmor: the module is loaded and enabled. */
export async function hostHasAppArmor(path = APPARMOR_ENABLED_PATH): Promise<boolean> {
  const text = await readKernelFile(path).catch(() => "");
  return text.startsWith("Y");
}

function fromAnnotation(value: string): SecurityProfile | undefined {
  if (value === APPARMOR_ANNOTATION_RUNTIME_DEFAULT) return { type: "RuntimeDefault" };
  if (value === APPARMOR_ANNOTATION_UNCONFINED) return { type: "Unconfined" };
  if (value.startsWith(APPARMOR_ANNOTATION_LOCALHOST_PREFIX)) {
    return { type: "Localhost", localhostRef: value.slice(APPARMOR_ANNOTATION_LOCALHOST_PREFIX.length) };
  }
  return undefined;
}

function fromField(field: { type: string; localhostProfile?: string }): SecurityProfile | undefined {
  if (field.type === "RuntimeDefault" || field.type === "Unconfined") return { type: field.type };
  if (field.type === "Localhost") return { type: "Localhost", localhostRef: field.localhostProfile ?? "" };
  return undefined;
}

/** The AppArmor profile a container runs with; undefined leaves it to the runtime (kubelet: GetProfile). */
export function appArmorProfile(pod: IPod, container: IContainer): SecurityProfile | undefined {
  const own = container.securityContext?.appArmorProfile;
  if (own !== undefined) return fromField(own);
  const annotation = pod.metadata?.annotations?.[`${APPARMOR_ANNOTATION_PREFIX}${container.name}`];
  if (annotation !== undefined) return fromAnnotation(annotation);
  const podField = pod.spec?.securityContext?.appArmorProfile;
  return podField === undefined ? undefined : fromField(podField);
}

/** Whether any container asks for a profile that must be enforced (kubelet: isRequired). */
export function requiresAppArmor(pod: IPod): boolean {
  const spec = pod.spec;
  if (spec?.securityContext?.appArmorProfile && spec.securityContext.appArmorProfile.type !== "Unconfined") {
    return true;
  }
  const containers = [
    ...(spec?.initContainers ?? []),
    ...(spec?.containers ?? []),
    ...(spec?.ephemeralContainers ?? []),
  ];
  if (
    containers.some(
      (c) => c.securityContext?.appArmorProfile && c.securityContext.appArmorProfile.type !== "Unconfined",
    )
  ) {
    return true;
  }
  return Object.entries(pod.metadata?.annotations ?? {}).some(
    ([key, value]) => key.startsWith(APPARMOR_ANNOTATION_PREFIX) && value !== APPARMOR_ANNOTATION_UNCONFINED,
  );
}

/** kubelet: appArmorAdmitHandler with its validator; only pending pods are checked. */
export function admitAppArmor(pod: IPod, hostEnabled: boolean): SecurityAdmitResult {
  if ((pod.status?.phase ?? "Pending") !== "Pending" || !requiresAppArmor(pod)) return { admit: true };
  const refuse = (why: string): SecurityAdmitResult => ({
    admit: false,
    reason: REASON_APPARMOR,
    message: `Cannot enforce AppArmor: ${why}`,
  });
  if (!hostEnabled) return refuse("AppArmor is not enabled on the host");
  const spec = pod.spec;
  for (const container of [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])]) {
    const profile = appArmorProfile(pod, container);
    if (profile?.type === "Localhost" && profile.localhostRef.trim() === "") {
      return refuse(`invalid empty AppArmor profile name: ${JSON.stringify(profile)}`);
    }
  }
  return { admit: true };
}
