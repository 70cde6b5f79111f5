/**
 * A small DER (ASN.1 Distinguished Encoding Rules) encoder: just the types X.509 needs.
 * Every function returns the complete encoding (tag, length, content) of one value.
 */
import { BerthError, ErrorCode } from "../common/errors.js";

/** Universal tags used by X.509. */
export const Tag = {
  Boolean: 0x01,
  Integer: 0x02,
  BitString: 0x03,
  OctetString: 0x04,
  Null: 0x05,
  Oid: 0x06,
  Utf8String: 0x0c,
  PrintableString: 0x13,
  T61String: 0x14,
  Ia5String: 0x16,
  UtcTime: 0x17,
  GeneralizedTime: 0x18,
  BmpString: 0x1e,
  Sequence: 0x30,
  Set: 0x31,
} as const;

function encodeLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** One TLV with an arbitrary single-byte tag. */
export function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), encodeLength(content.length), content]);
}

export const sequence = (...items: Buffer[]): Buffer => tlv(Tag.Sequence, Buffer.concat(items));

/** A SET OF: DER sorts the encoded elements. */
export const set = (...items: Buffer[]): Buffer =>
  tlv(Tag.Set, Buffer.concat([...items].sort((a, b) => Buffer.compare(a, b))));

export const boolean = (value: boolean): Buffer => tlv(Tag.Boolean, Buffer.from([value ? 0xff : 0x00]));

export const nullValue = (): Buffer => tlv(Tag.Null, Buffer.alloc(0));

export const octetString = (content: Buffer): Buffer => tlv(Tag.OctetString, content);

/** A BIT STRING whose content is whole bytes (keys, signatures). */
export const bitString = (content: Buffer, unusedBits = 0): Buffer =>
  tlv(Tag.BitString, Buffer.concat([Buffer.from([unusedBits]), content]));

/**
 * A named-bit BIT STRING (keyUsage): bit 0 is the most significant bit of the first byte; DER
 * drops trailing zero bits.
 */
export function namedBits(bits: readonly number[]): Buffer {
  if (bits.length === 0) return bitString(Buffer.alloc(0));
  const highest = Math.max(...bits);
  const bytes = Buffer.alloc(Math.floor(highest / 8) + 1);
  for (const bit of bits) bytes[bit >> 3] = (bytes[bit >> 3] ?? 0) | (0x80 >> (bit & 7));
  return bitString(bytes, 7 - (highest & 7));
}

/** A non-negative INTEGER from its big-endian magnitude (serial numbers) or a small number. */
export function integer(value: Buffer | number): Buffer {
  let bytes: Buffer;
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new BerthError(ErrorCode.Internal, `DER integer must be a non-negative safe integer: ${value}`);
    }
    const out: number[] = [];
    for (let n = value; n > 0; n = Math.floor(n / 256)) out.unshift(n & 0xff);
    bytes = Buffer.from(out.length === 0 ? [0] : out);
  } else {
    let start = 0;
    while (start < value.length - 1 && value[start] === 0) start++;
    bytes = value.length === 0 ? Buffer.from([0]) : value.subarray(start);
  }
  if ((bytes[0] ?? 0) & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return tlv(Tag.Integer, bytes);
}

/** An OBJECT IDENTIFIER from dotted text ("2.5.4.3"). */
export function oid(dotted: string): Buffer {
  const arcs = dotted.split(".").map((part) => {
    if (!/^\d+$/.test(part)) throw new BerthError(ErrorCode.Internal, `bad OID ${dotted}`);
    return Number(part);
  });
  const [first, second, ...rest] = arcs;
  if (first === undefined || second === undefined || first > 2 || (first < 2 && second > 39)) {
    throw new BerthError(ErrorCode.Internal, `bad OID ${dotted}`);
  }
  const out: number[] = [];
  for (const arc of [first * 40 + second, ...rest]) {
    const groups: number[] = [arc & 0x7f];
    for (let n = Math.floor(arc / 128); n > 0; n = Math.floor(n / 128)) groups.unshift((n & 0x7f) | 0x80);
    out.push(...groups);
  }
  return tlv(Tag.Oid, Buffer.from(out));
}

export const utf8String = (text: string): Buffer => tlv(Tag.Utf8String, Buffer.from(text, "utf8"));

export const ia5String = (text: string): Buffer => tlv(Tag.Ia5String, Buffer.from(text, "ascii"));

const pad = (n: number, width = 2): string => String(n).padStart(width, "0");

/** X.509 times: UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280 4.1.2.5). */
export function time(date: Date): Buffer {
  const year = date.getUTCFullYear();
  const rest =
    pad(date.getUTCMonth() + 1) +
    pad(date.getUTCDate()) +
    pad(date.getUTCHours()) +
    pad(date.getUTCMinutes()) +
    pad(date.getUTCSeconds()) +
    "Z";
  if (year >= 1950 && year < 2050) return tlv(Tag.UtcTime, Buffer.from(pad(year % 100) + rest, "ascii"));
  return tlv(Tag.GeneralizedTime, Buffer.from(pad(year, 4) + rest, "ascii"));
}

/** Context-specific tags: [n] EXPLICIT wraps a whole value; [n] IMPLICIT replaces its tag. */
export const explicit = (n: number, value: Buffer): Buffer => tlv(0xa0 | n, value);
export const implicitPrimitive = (n: number, content: Buffer): Buffer => tlv(0x80 | n, content);
