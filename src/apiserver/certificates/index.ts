/** The control plane's certificate controller: approves and signs kubelet serving and client requests. */
export {
  CsrSigner,
  CLUSTER_SIGNING_DURATION_SECONDS,
  CSR_RETRY_MS,
  type CsrSignerOptions,
} from "./csr-signer.js";
export { decideKubeletServing, nodeNames, type Decision } from "./kubelet-serving-policy.js";
export { decideKubeletClient, kubeletClientShapeError } from "./kubelet-client-policy.js";
