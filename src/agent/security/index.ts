export type { SecurityAdmitResult } from "./admit-result.js";
export { SecurityAdmission, type SecurityAdmissionOptions } from "./admission.js";
export {
  admitAppArmor,
  appArmorProfile,
  hostHasAppArmor,
  requiresAppArmor,
  REASON_APPARMOR,
  APPARMOR_ANNOTATION_PREFIX,
} from "./apparmor.js";
export { checkSeccompProfile, seccompProfile, SECCOMP_ROOT_NAME, type SeccompOptions } from "./seccomp.js";
export {
  REASON_SYSCTL_FORBIDDEN,
  safeSysctls,
  SysctlAllowlist,
  sysctlDotted,
  sysctlNamespace,
} from "./sysctls.js";
export { RuntimeClassGetter, RUNTIME_CLASS_CACHE_TTL_MS } from "./runtime-class.js";
export { admitUserNamespaces, REASON_USER_NAMESPACES_NOT_SUPPORTED } from "./user-namespaces.js";
export { DEFAULT_MASKED_PATHS, DEFAULT_READONLY_PATHS, procPaths } from "./proc-mount.js";
