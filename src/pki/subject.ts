/** Who a certificate names: CN is the user, each O a group (kube-apiserver's x509 authenticator). */
import type { X509Certificate } from "node:crypto";
import { readCertificate } from "./certificate-reader.js";
import { decodeName, type Subject } from "./name.js";
import { fromPem } from "./pem.js";

/** Anything that carries a certificate: PEM text, DER bytes, an X509Certificate or a tls peer. */
export type CertificateSource = string | Buffer | X509Certificate | { readonly raw?: Buffer };

/**
 * The subject of a certificate. For a tls peer certificate without `raw` (the empty object that
 * getPeerCertificate() returns when the client sent none) the answer is undefined.
 * A malformed certificate throws BerthError(BadRequest).
 */
export function subjectOf(cert: CertificateSource): Subject | undefined {
  let derBytes: Buffer | undefined;
  if (typeof cert === "string") derBytes = fromPem("CERTIFICATE", cert);
  else if (Buffer.isBuffer(cert)) derBytes = cert;
  else derBytes = cert.raw;
  if (derBytes === undefined || derBytes.length === 0) return undefined;
  return decodeName(readCertificate(derBytes).subject);
}
