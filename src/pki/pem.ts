/** PEM armour for DER blobs. */
import { BerthError, ErrorCode } from "../common/errors.js";

export function toPem(label: string, derBytes: Buffer): string {
  const lines = derBytes.toString("base64").match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

/** The DER of the first PEM block with this label. */
export function fromPem(label: string, pem: string): Buffer {
  const match = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`).exec(pem);
  if (match?.[1] === undefined) {
    throw new BerthError(ErrorCode.Invalid, `no PEM block "${label}" found`);
  }
  return Buffer.from(match[1].replace(/\s+/g, ""), "base64");
}
