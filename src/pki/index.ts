/**
 * berth's PKI: X.509 v3 certificates built with node:crypto and a small DER encoder, no openssl.
 * createCa() makes a self-signed CA; issueCertificate() a serving and/or client certificate
 * signed by it; subjectOf() reads CN (user) and O (groups) back from a peer certificate.
 */
export {
  createCa,
  issueCertificate,
  issueForKey,
  CERTIFICATE_BACKDATE_MS,
  MAX_CERTIFICATE_VALID_DAYS,
  type CaOptions,
  type CertificateAuthority,
  type CertificateKeyPair,
  type CertificateUsage,
  type IssueOptions,
} from "./certificate.js";
export { subjectOf, type CertificateSource } from "./subject.js";
export type { Subject } from "./name.js";
export {
  createCertificateRequest,
  readCertificateRequest,
  CSR_PEM_LABEL,
  type CertificateRequest,
  type RequestOptions,
  type RequestedCertificate,
} from "./certificate-request.js";
