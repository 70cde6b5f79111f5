/** The X.509 v3 extensions berth puts in its certificates (RFC 5280 section 4.2). */
import * as der from "./der.js";
import { ipToBytes } from "./ip.js";
import { Oid } from "./oids.js";

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return critical
    ? der.sequence(der.oid(id), der.boolean(true), der.octetString(value))
    : der.sequence(der.oid(id), der.octetString(value));
}

/** CA certificates may sign others; leaves may not. */
export function basicConstraints(isCa: boolean): Buffer {
  return extension(Oid.basicConstraints, true, isCa ? der.sequence(der.boolean(true)) : der.sequence());
}

/** keyUsage bit numbers (RFC 5280 4.2.1.3). */
export const KeyUsageBit = {
  digitalSignature: 0,
  keyEncipherment: 2,
  keyCertSign: 5,
  cRLSign: 6,
} as const;

export function keyUsage(bits: readonly number[]): Buffer {
  return extension(Oid.keyUsage, true, der.namedBits(bits));
}

export function extKeyUsage(purposes: readonly string[]): Buffer {
  return extension(Oid.extKeyUsage, false, der.sequence(...purposes.map((p) => der.oid(p))));
}

/** dNSName is [2] IA5String, iPAddress is [7] OCTET STRING. */
export function subjectAltName(dnsNames: readonly string[], ipAddresses: readonly string[]): Buffer {
  const names = [
    ...dnsNames.map((d) => der.implicitPrimitive(2, Buffer.from(d, "ascii"))),
    ...ipAddresses.map((ip) => der.implicitPrimitive(7, ipToBytes(ip))),
  ];
  return extension(Oid.subjectAltName, false, der.sequence(...names));
}

export function subjectKeyIdentifier(keyId: Buffer): Buffer {
  return extension(Oid.subjectKeyIdentifier, false, der.octetString(keyId));
}

/** Only the keyIdentifier form ([0] IMPLICIT OCTET STRING). */
export function authorityKeyIdentifier(keyId: Buffer): Buffer {
  return extension(Oid.authorityKeyIdentifier, false, der.sequence(der.implicitPrimitive(0, keyId)));
}
