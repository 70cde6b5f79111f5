/**
 * PKCS#10 certificate signing requests (RFC 2986): the agent makes one for its serving key, the
 * API server reads and checks it before it signs. Names travel as an extensionRequest attribute
 * holding a subjectAltName extension, as Go's x509.CreateCertificateRequest writes them.
 */
import { generateKeyPairSync, sign, verify, createPublicKey, type KeyObject } from "node:crypto";
import { BerthError, ErrorCode, errorMessage } from "../common/errors.js";
import * as der from "./der.js";
import { children, expectTag, readNode, readOid, type DerNode } from "./der-reader.js";
import * as ext from "./extensions.js";
import { decodeName, encodeName, type Subject } from "./name.js";
import { Oid } from "./oids.js";
import { fromPem, toPem } from "./pem.js";

/** PKCS#9 extensionRequest. */
const EXTENSION_REQUEST = "1.2.840.113549.1.9.14";
export const CSR_PEM_LABEL = "CERTIFICATE REQUEST";

export interface RequestOptions {
  readonly commonName: string;
  readonly organizations?: readonly string[];
  readonly dnsNames?: readonly string[];
  readonly ipAddresses?: readonly string[];
}

/** A fresh key and a signed request for it, both PEM. */
export interface CertificateRequest {
  readonly csrPem: string;
  readonly keyPem: string;
}

/** What a request asks for, after its signature was checked. */
export interface RequestedCertificate {
  readonly subject: Subject;
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
  /** The requester's public key, SubjectPublicKeyInfo DER. */
  readonly spki: Buffer;
}

function bad(message: string, cause?: unknown): BerthError {
  return new BerthError(ErrorCode.BadRequest, message, cause === undefined ? {} : { cause });
}

export function createCertificateRequest(options: RequestOptions): CertificateRequest {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const spki = publicKey.export({ type: "spki", format: "der" });
  const dnsNames = options.dnsNames ?? [];
  const ipAddresses = options.ipAddresses ?? [];
  const attributes =
    dnsNames.length + ipAddresses.length === 0
      ? Buffer.alloc(0)
      : der.sequence(
          der.oid(EXTENSION_REQUEST),
          der.set(der.sequence(ext.subjectAltName(dnsNames, ipAddresses))),
        );
  const info = der.sequence(
    der.integer(0),
    encodeName({ commonName: options.commonName, organizations: options.organizations ?? [] }),
    spki,
    der.tlv(0xa0, attributes), // [0] IMPLICIT SET OF Attribute
  );
  const csr = der.sequence(
    info,
    der.sequence(der.oid(Oid.ecdsaWithSha256)),
    der.bitString(sign("sha256", info, privateKey)),
  );
  return {
    csrPem: toPem(CSR_PEM_LABEL, csr),
    keyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  };
}

/** Reads subjectAltName dNSName ([2]) and iPAddress ([7]) entries. */
function readAltNames(value: Buffer): { dnsNames: string[]; ipAddresses: string[] } {
  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  for (const name of children(expectTag(readNode(value), der.Tag.Sequence, "GeneralNames"))) {
    if (name.tag === 0x82) dnsNames.push(name.content.toString("ascii"));
    else if (name.tag === 0x87) ipAddresses.push(ipText(name.content));
  }
  return { dnsNames, ipAddresses };
}

function ipText(bytes: Buffer): string {
  if (bytes.length === 4) return [...bytes].join(".");
  if (bytes.length !== 16) throw bad(`an iPAddress of ${bytes.length} bytes`);
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
  // WHATWG URL parsing gives the canonical form (RFC 5952), comparable with node addresses.
  return new URL(`http://[${groups.join(":")}]`).hostname.slice(1, -1);
}

function requestedAltNames(attributes: DerNode | undefined): { dnsNames: string[]; ipAddresses: string[] } {
  const none = { dnsNames: [], ipAddresses: [] };
  if (attributes === undefined || attributes.content.length === 0) return none;
  for (const attr of children(attributes)) {
    const [type, values] = children(expectTag(attr, der.Tag.Sequence, "Attribute"));
    if (type === undefined || readOid(type) !== EXTENSION_REQUEST || values === undefined) continue;
    for (const exts of children(expectTag(values, der.Tag.Set, "attribute values"))) {
      for (const e of children(expectTag(exts, der.Tag.Sequence, "Extensions"))) {
        const parts = children(expectTag(e, der.Tag.Sequence, "Extension"));
        const id = parts[0];
        const value = parts[parts.length - 1];
        if (id !== undefined && value !== undefined && readOid(id) === Oid.subjectAltName) {
          return readAltNames(expectTag(value, der.Tag.OctetString, "extnValue").content);
        }
      }
    }
  }
  return none;
}

/** Parses a PEM request and checks its signature; BadRequest when it is malformed or forged. */
export function readCertificateRequest(csrPem: string): RequestedCertificate {
  try {
    const [info, , signature] = children(
      expectTag(readNode(fromPem(CSR_PEM_LABEL, csrPem)), der.Tag.Sequence, "CertificationRequest"),
    );
    const infoNode = expectTag(info, der.Tag.Sequence, "CertificationRequestInfo");
    const [, subject, spki, attributes] = children(infoNode);
    const spkiNode = expectTag(spki, der.Tag.Sequence, "subjectPKInfo");
    let key: KeyObject;
    try {
      key = createPublicKey({ key: spkiNode.raw, format: "der", type: "spki" });
    } catch (err) {
      throw bad(`the request's public key cannot be read: ${errorMessage(err)}`, err);
    }
    const sig = expectTag(signature, der.Tag.BitString, "signature").content.subarray(1);
    if (!verify("sha256", infoNode.raw, key, sig)) throw bad("the request's signature does not verify");
    return {
      subject: decodeName(expectTag(subject, der.Tag.Sequence, "subject")),
      ...requestedAltNames(attributes),
      spki: Buffer.from(spkiNode.raw),
    };
  } catch (err) {
    if (err instanceof BerthError) throw new BerthError(ErrorCode.BadRequest, err.message, { cause: err });
    throw bad(`cannot read the certificate request: ${errorMessage(err)}`, err);
  }
}
