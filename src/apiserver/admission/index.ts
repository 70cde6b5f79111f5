/**
 * Admission: the plugins the API server runs on writes, after authorization and around its own
 * validation. RuntimeClass (mutating and validating) and PodSecurity (validating), configured from
 * an AdmissionConfiguration file as the kube-apiserver's --admission-control-config-file.
 */
export { AdmissionChain, type AdmissionChainOptions, type AdmissionRequest } from "./chain.js";
export type {
  AdmissionAttributes,
  AdmissionRecorder,
  AdmissionUser,
  MutatingPlugin,
  ValidatingPlugin,
} from "./admission.js";
export { RuntimeClassAdmission, type RuntimeClassDeps } from "./runtime-class.js";
export {
  ANNOTATION_AUDIT_VIOLATIONS,
  ANNOTATION_ENFORCE_POLICY,
  ANNOTATION_EXEMPT,
  DEFAULT_POD_SECURITY_CONFIG,
  PodSecurityAdmission,
  parsePodSecurityConfig,
  type PodSecurityConfig,
  type PodSecurityDeps,
} from "./pod-security/index.js";
export { loadAdmissionConfiguration, type AdmissionConfiguration } from "./admission-config.js";
