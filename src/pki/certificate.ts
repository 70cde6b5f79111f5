/**
 * Builds and signs X.509 v3 certificates with node:crypto: a self-signed CA, and serving or client
 * certificates issued by it. Keys are ECDSA P-256, signatures SHA-256. Keys are PKCS#8 PEM.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  X509Certificate,
  type KeyObject,
} from "node:crypto";
import { BerthError, ErrorCode, errorMessage } from "../common/errors.js";
import * as der from "./der.js";
import { readNode } from "./der-reader.js";
import { publicKeyBits, readCertificate } from "./certificate-reader.js";
import * as ext from "./extensions.js";
import { ipToBytes } from "./ip.js";
import { encodeName } from "./name.js";
import { Oid } from "./oids.js";
import { fromPem, toPem } from "./pem.js";

/** A certificate and its private key, both PEM. A CA is the same shape. */
export interface CertificateKeyPair {
  readonly certPem: string;
  readonly keyPem: string;
}
export type CertificateAuthority = CertificateKeyPair;

export type CertificateUsage = "server" | "client" | "both";

export interface CaOptions {
  readonly commonName: string;
  readonly validDays: number;
  /** Start of validity; defaults to now. notBefore is set a little earlier to absorb clock skew. */
  readonly now?: Date;
}

export interface IssueOptions {
  readonly commonName: string;
  /** Become O attributes: Kubernetes reads them as the user's groups. */
  readonly organizations?: readonly string[];
  readonly dnsNames?: readonly string[];
  readonly ipAddresses?: readonly string[];
  readonly usage: CertificateUsage;
  readonly validDays: number;
  /** A validity shorter than whole days (a CSR's expirationSeconds); wins over validDays. */
  readonly validSeconds?: number;
  readonly now?: Date;
}

/** How far notBefore is back-dated, so that a peer whose clock lags a little still accepts. */
export const CERTIFICATE_BACKDATE_MS = 5 * 60 * 1000;
/** Longest validity accepted, a century. */
export const MAX_CERTIFICATE_VALID_DAYS = 36500;

const RSA_SHA256 = "1.2.840.113549.1.1.11";
const DNS_NAME = /^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

function invalid(message: string, cause?: unknown): BerthError {
  return new BerthError(ErrorCode.Invalid, message, cause === undefined ? {} : { cause });
}

function checkCommon(commonName: unknown, validDays: unknown): void {
  if (typeof commonName !== "string" || commonName.trim() === "") {
    throw invalid("certificate commonName must be a non-empty string");
  }
  if (
    typeof validDays !== "number" ||
    !Number.isInteger(validDays) ||
    validDays < 1 ||
    validDays > MAX_CERTIFICATE_VALID_DAYS
  ) {
    throw invalid(`certificate validDays must be an integer from 1 to ${MAX_CERTIFICATE_VALID_DAYS}`);
  }
}

function validity(now: Date | undefined, validDays: number, validSeconds?: number): Buffer {
  const start = (now ?? new Date()).getTime();
  if (!Number.isFinite(start)) throw invalid("certificate start time is not a valid date");
  const lifetimeMs =
    validSeconds !== undefined && validSeconds > 0 ? validSeconds * 1000 : validDays * 86_400_000;
  return der.sequence(
    der.time(new Date(start - CERTIFICATE_BACKDATE_MS)),
    der.time(new Date(start + lifetimeMs)),
  );
}

/** A positive 127-bit random serial (RFC 5280 allows up to 20 octets). */
function serialNumber(): Buffer {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x40;
  return der.integer(bytes);
}

/** RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits. */
function keyIdentifier(spkiDer: Buffer): Buffer {
  return createHash("sha1")
    .update(publicKeyBits(readNode(spkiDer)))
    .digest();
}

function signatureAlgorithm(key: KeyObject): Buffer {
  switch (key.asymmetricKeyType) {
    case "ec":
      return der.sequence(der.oid(Oid.ecdsaWithSha256));
    case "rsa":
      return der.sequence(der.oid(RSA_SHA256), der.nullValue());
    default:
      throw new BerthError(
        ErrorCode.Unsupported,
        `signing with a ${key.asymmetricKeyType ?? "unknown"} key is not supported (use EC or RSA)`,
      );
  }
}

interface TbsInput {
  readonly issuerName: Buffer;
  readonly subjectName: Buffer;
  readonly spki: Buffer;
  readonly validity: Buffer;
  readonly extensions: readonly Buffer[];
}

function signCertificate(input: TbsInput, signer: KeyObject): Buffer {
  const algorithm = signatureAlgorithm(signer);
  const tbs = der.sequence(
    der.explicit(0, der.integer(2)), // v3
    serialNumber(),
    algorithm,
    input.issuerName,
    input.validity,
    input.subjectName,
    input.spki,
    der.explicit(3, der.sequence(...input.extensions)),
  );
  return der.sequence(tbs, algorithm, der.bitString(sign("sha256", tbs, signer)));
}

function newKey(): { privateKey: KeyObject; spki: Buffer } {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return { privateKey, spki: publicKey.export({ type: "spki", format: "der" }) };
}

function keyPem(key: KeyObject): string {
  return key.export({ type: "pkcs8", format: "pem" }).toString();
}

/** A self-signed CA certificate and its fresh key. */
export function createCa(options: CaOptions): CertificateAuthority {
  checkCommon(options.commonName, options.validDays);
  const { privateKey, spki } = newKey();
  const name = encodeName({ commonName: options.commonName, organizations: [] });
  const keyId = keyIdentifier(spki);
  const certDer = signCertificate(
    {
      issuerName: name,
      subjectName: name,
      spki,
      validity: validity(options.now, options.validDays),
      extensions: [
        ext.basicConstraints(true),
        ext.keyUsage([
          ext.KeyUsageBit.digitalSignature,
          ext.KeyUsageBit.keyCertSign,
          ext.KeyUsageBit.cRLSign,
        ]),
        ext.subjectKeyIdentifier(keyId),
        ext.authorityKeyIdentifier(keyId),
      ],
    },
    privateKey,
  );
  return { certPem: toPem("CERTIFICATE", certDer), keyPem: keyPem(privateKey) };
}

interface LoadedCa {
  readonly key: KeyObject;
  readonly subjectName: Buffer;
  readonly keyId: Buffer;
}

function loadCa(ca: CertificateAuthority): LoadedCa {
  let cert: X509Certificate;
  let key: KeyObject;
  try {
    cert = new X509Certificate(ca.certPem);
    key = createPrivateKey(ca.keyPem);
  } catch (err) {
    throw invalid(`CA certificate or key cannot be read: ${errorMessage(err)}`, err);
  }
  if (!cert.ca) throw invalid("CA certificate is not a CA (basicConstraints CA is not set)");
  const keySpki = createPublicKey(key).export({ type: "spki", format: "der" });
  const certSpki = cert.publicKey.export({ type: "spki", format: "der" });
  if (!keySpki.equals(certSpki)) throw invalid("CA key does not belong to the CA certificate");
  const parts = readCertificate(fromPem("CERTIFICATE", ca.certPem));
  // The child's authorityKeyIdentifier must equal the CA's own subjectKeyIdentifier, however the
  // CA computed it; fall back to our method for a CA without one.
  const ski = parts.extensions.get(Oid.subjectKeyIdentifier);
  const keyId = ski === undefined ? keyIdentifier(parts.subjectPublicKeyInfo.raw) : readNode(ski).content;
  return { key, subjectName: Buffer.from(parts.subject.raw), keyId };
}

function checkIssue(options: IssueOptions): void {
  checkCommon(options.commonName, options.validDays);
  if (!["server", "client", "both"].includes(options.usage)) {
    throw invalid(
      `certificate usage must be "server", "client" or "both", not ${JSON.stringify(options.usage)}`,
    );
  }
  for (const o of options.organizations ?? []) {
    if (typeof o !== "string" || o === "")
      throw invalid("certificate organizations must be non-empty strings");
  }
  for (const d of options.dnsNames ?? []) {
    if (typeof d !== "string" || d.length > 253 || !DNS_NAME.test(d)) {
      throw invalid(`certificate dnsNames: ${JSON.stringify(d)} is not a DNS name`);
    }
  }
  for (const ip of options.ipAddresses ?? []) ipToBytes(ip);
  if (
    options.usage !== "client" &&
    (options.dnsNames ?? []).length + (options.ipAddresses ?? []).length === 0
  ) {
    throw invalid("a serving certificate needs at least one DNS name or IP address");
  }
}

/** A fresh key and a certificate for it, signed by `ca`. */
export function issueCertificate(ca: CertificateAuthority, options: IssueOptions): CertificateKeyPair {
  const { privateKey, spki } = newKey();
  return { certPem: issueForKey(ca, options, spki), keyPem: keyPem(privateKey) };
}

/**
 * A certificate for someone else's public key (SubjectPublicKeyInfo DER), signed by `ca`: how a
 * certificate signing request is answered. Returns the certificate PEM.
 */
export function issueForKey(ca: CertificateAuthority, options: IssueOptions, spki: Buffer): string {
  checkIssue(options);
  const issuer = loadCa(ca);
  const purposes = {
    server: [Oid.serverAuth],
    client: [Oid.clientAuth],
    both: [Oid.serverAuth, Oid.clientAuth],
  }[options.usage];
  const extensions = [
    ext.basicConstraints(false),
    ext.keyUsage([ext.KeyUsageBit.digitalSignature]),
    ext.extKeyUsage(purposes),
    ext.subjectKeyIdentifier(keyIdentifier(spki)),
    ext.authorityKeyIdentifier(issuer.keyId),
  ];
  const dnsNames = options.dnsNames ?? [];
  const ipAddresses = options.ipAddresses ?? [];
  if (dnsNames.length + ipAddresses.length > 0) extensions.push(ext.subjectAltName(dnsNames, ipAddresses));
  const certDer = signCertificate(
    {
      issuerName: issuer.subjectName,
      subjectName: encodeName({
        commonName: options.commonName,
        organizations: options.organizations ?? [],
      }),
      spki,
      validity: validity(options.now, options.validDays, options.validSeconds),
      extensions,
    },
    issuer.key,
  );
  return toPem("CERTIFICATE", certDer);
}
