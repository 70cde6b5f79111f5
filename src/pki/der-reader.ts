/**
 * The minimal DER decoder berth needs: walk TLVs, read OIDs and strings. Enough to find a
 * certificate's subject, its subjectKeyIdentifier and a public key's bits; not a general parser.
 */
import { BerthError, ErrorCode } from "../common/errors.js";
import { Tag } from "./der.js";

export interface DerNode {
  readonly tag: number;
  /** The whole encoding, tag and length included. */
  readonly raw: Buffer;
  /** The content octets only. */
  readonly content: Buffer;
}

function malformed(what: string): BerthError {
  return new BerthError(ErrorCode.BadRequest, `malformed DER: ${what}`);
}

/** Reads the one TLV at `offset`. */
export function readNode(buf: Buffer, offset = 0): DerNode {
  const tag = buf[offset];
  const first = buf[offset + 1];
  if (tag === undefined || first === undefined) throw malformed("truncated header");
  if ((tag & 0x1f) === 0x1f) throw malformed("high tag numbers are not supported");
  let length = first;
  let header = 2;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count === 0 || count > 4) throw malformed(`unsupported length of ${count} bytes`);
    length = 0;
    for (let i = 0; i < count; i++) {
      const byte = buf[offset + 2 + i];
      if (byte === undefined) throw malformed("truncated length");
      length = length * 256 + byte;
    }
    header += count;
  }
  const end = offset + header + length;
  if (end > buf.length) throw malformed("value runs past the end of the input");
  return { tag, raw: buf.subarray(offset, end), content: buf.subarray(offset + header, end) };
}

/** The elements of a constructed value (SEQUENCE, SET, explicit tag). */
export function children(node: DerNode): DerNode[] {
  if ((node.tag & 0x20) === 0) throw malformed(`tag 0x${node.tag.toString(16)} is not constructed`);
  const out: DerNode[] = [];
  for (let offset = 0; offset < node.content.length;) {
    const child = readNode(node.content, offset);
    out.push(child);
    offset += child.raw.length;
  }
  return out;
}

export function expectTag(node: DerNode | undefined, tag: number, what: string): DerNode {
  if (node === undefined) throw malformed(`missing ${what}`);
  if (node.tag !== tag)
    throw malformed(`${what} has tag 0x${node.tag.toString(16)}, want 0x${tag.toString(16)}`);
  return node;
}

export function readOid(node: DerNode): string {
  expectTag(node, Tag.Oid, "OID");
  const arcs: number[] = [];
  let value = 0;
  for (const byte of node.content) {
    value = value * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) {
      if (arcs.length === 0) {
        const first = value < 80 ? Math.floor(value / 40) : 2;
        arcs.push(first, value - first * 40);
      } else {
        arcs.push(value);
      }
      value = 0;
    }
  }
  return arcs.join(".");
}

/** The text of a directory string (UTF8String, PrintableString, IA5String, T61String, BMPString). */
export function readString(node: DerNode): string {
  switch (node.tag) {
    case Tag.Utf8String:
      return node.content.toString("utf8");
    case Tag.PrintableString:
    case Tag.Ia5String:
      return node.content.toString("ascii");
    case Tag.T61String:
      return node.content.toString("latin1");
    case Tag.BmpString: {
      if (node.content.length % 2 !== 0) throw malformed("BMPString of odd length");
      const swapped = Buffer.from(node.content);
      return swapped.swap16().toString("utf16le");
    }
    default:
      throw malformed(`tag 0x${node.tag.toString(16)} is not a string`);
  }
}
