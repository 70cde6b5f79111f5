/** The agent's certificates through the API: one CSR round trip, and the client TLS bootstrap. */
export { CSR_PATH, CSR_POLL_MS, CSR_WAIT_MS, requestCertificate, type CsrRequest } from "./csr-request.js";
export {
  CLIENT_CURRENT_PEM,
  CLIENT_USAGES,
  SIGNER_KUBELET_CLIENT,
  bootstrapClientCredentials,
  type ClientBootstrapOptions,
} from "./client-bootstrap.js";
