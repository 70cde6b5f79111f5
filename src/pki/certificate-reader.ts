/** Picks apart an encoded certificate: the fields berth needs to issue from it or authenticate by it. */
import { Tag } from "./der.js";
import { children, expectTag, readNode, readOid, type DerNode } from "./der-reader.js";

export interface CertificateParts {
  readonly issuer: DerNode;
  readonly subject: DerNode;
  readonly subjectPublicKeyInfo: DerNode;
  /** Extension OID -> the extnValue content (the DER of the extension's own value). */
  readonly extensions: ReadonlyMap<string, Buffer>;
}

export function readCertificate(certDer: Buffer): CertificateParts {
  const [tbs] = children(expectTag(readNode(certDer), Tag.Sequence, "Certificate"));
  const fields = children(expectTag(tbs, Tag.Sequence, "TBSCertificate"));
  // version is [0] EXPLICIT and optional (absent means v1)
  const base = fields[0]?.tag === 0xa0 ? 1 : 0;
  const issuer = expectTag(fields[base + 2], Tag.Sequence, "issuer");
  const subject = expectTag(fields[base + 4], Tag.Sequence, "subject");
  const subjectPublicKeyInfo = expectTag(fields[base + 5], Tag.Sequence, "subjectPublicKeyInfo");
  const extensions = new Map<string, Buffer>();
  const wrapped = fields.slice(base + 6).find((f) => f.tag === 0xa3);
  if (wrapped !== undefined) {
    const [list] = children(wrapped);
    for (const ext of children(expectTag(list, Tag.Sequence, "Extensions"))) {
      const parts = children(expectTag(ext, Tag.Sequence, "Extension"));
      const id = parts[0];
      const value = parts[parts.length - 1];
      if (id === undefined || value === undefined) continue;
      extensions.set(readOid(id), expectTag(value, Tag.OctetString, "extnValue").content);
    }
  }
  return { issuer, subject, subjectPublicKeyInfo, extensions };
}

/** The subjectPublicKey bits of a SubjectPublicKeyInfo (without the unused-bits byte). */
export function publicKeyBits(spki: DerNode): Buffer {
  const [, bits] = children(expectTag(spki, Tag.Sequence, "SubjectPublicKeyInfo"));
  return expectTag(bits, Tag.BitString, "subjectPublicKey").content.subarray(1);
}
