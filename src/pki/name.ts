/**
 * X.509 distinguished names, reduced to what Kubernetes uses: one CN (the user name) and any
 * number of O (the groups), as kube-apiserver reads client certificates.
 */
import * as der from "./der.js";
import { children, expectTag, readOid, readString, type DerNode } from "./der-reader.js";
import { Oid } from "./oids.js";

export interface Subject {
  readonly commonName: string;
  readonly organizations: readonly string[];
}

function attribute(type: string, value: string): Buffer {
  return der.set(der.sequence(der.oid(type), der.utf8String(value)));
}

/** Name ::= SEQUENCE OF RelativeDistinguishedName, organizations first, then the CN. */
export function encodeName(subject: Subject): Buffer {
  return der.sequence(
    ...subject.organizations.map((o) => attribute(Oid.organization, o)),
    attribute(Oid.commonName, subject.commonName),
  );
}

/** Reads CN and every O from an encoded Name; other attributes are ignored. */
export function decodeName(name: DerNode): Subject {
  let commonName = "";
  const organizations: string[] = [];
  for (const rdn of children(expectTag(name, der.Tag.Sequence, "Name"))) {
    for (const atv of children(expectTag(rdn, der.Tag.Set, "RelativeDistinguishedName"))) {
      const [type, value] = children(expectTag(atv, der.Tag.Sequence, "AttributeTypeAndValue"));
      if (type === undefined || value === undefined) continue;
      const oid = readOid(type);
      if (oid === Oid.commonName) commonName = readString(value);
      else if (oid === Oid.organization) organizations.push(readString(value));
    }
  }
  return { commonName, organizations };
}
