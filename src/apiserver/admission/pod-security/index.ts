/** PodSecurity admission: the Pod Security Standards checks, namespace policies, the plugin. */
export {
  PodSecurityAdmission,
  type PodSecurityDeps,
  NAMESPACE_MAX_PODS_TO_CHECK,
} from "./pod-security-admission.js";
export {
  ANNOTATION_AUDIT_VIOLATIONS,
  ANNOTATION_ENFORCE_POLICY,
  ANNOTATION_EXEMPT,
} from "./pod-security-admission.js";
export { DEFAULT_POD_SECURITY_CONFIG, parsePodSecurityConfig, type PodSecurityConfig } from "./config.js";
