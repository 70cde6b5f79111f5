/**
 * The protobuf wire format: a bounded reader and a growing writer, for the CRI codec
 * (runtime/cri/codec.ts), the relist's partial decoder (runtime/cri/list-states.ts) and the grpc
 * probe's health messages (agent/probes/grpc-runner.ts).
 */
import { BerthError, ErrorCode } from "./errors.js";

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LENGTH = 2;
export const WIRE_FIXED32 = 5;

const TWO_32 = 2 ** 32;

/**
 * Node's Buffer method behind `toString("utf8", start, end)`, without its argument handling: under
 * --jitless those few JavaScript frames cost more than the decoding of a short string. Not in
 * @types/node; protobufjs reads strings the same way.
 */
type Utf8Sliceable = Buffer & { utf8Slice(start: number, end: number): string };

/**
 * A cursor over a protobuf message. Every read is bounded by the end of the message it is in,
 * and malformed input throws. One reader serves the nested messages too, and numbers stay small
 * integers where they can, so that reading allocates little beyond the values it returns (under
 * --jitless V8 boxes every non-integer intermediate result).
 */
export class Reader {
  pos = 0;

  constructor(
    readonly buf: Buffer,
    private readonly message: string,
  ) {}

  /** A varint of up to 28 bits: tags, lengths (CRI messages are capped at 16 MiB) and enum values. */
  varint(end: number): number {
    let byte = this.#byte(end);
    let value = byte & 0x7f;
    for (let shift = 7; byte >= 0x80; shift += 7) {
      if (shift > 21)
        throw this.#malformed("a varint wider than 28 bits where a tag, length or enum belongs");
      byte = this.#byte(end);
      value |= (byte & 0x7f) << shift;
    }
    return value;
  }

  /** A varint of up to 64 bits, its low 32 bits as a signed int32 (int32, uint32 read it with `>>> 0`, enums). */
  varint32(end: number): number {
    let value = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      const byte = this.#byte(end);
      if (shift < 32) value |= (byte & 0x7f) << shift;
      if (byte < 0x80) return value | 0;
    }
    throw this.#malformed("a varint longer than 10 bytes");
  }

  /** A varint of up to 64 bits as an unsigned bigint (uint64; int64 takes BigInt.asIntN(64, ...)). */
  varint64(end: number): bigint {
    let lo = 0;
    let hi = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      const byte = this.#byte(end);
      const bits = byte & 0x7f;
      if (shift < 32) lo |= bits << shift;
      if (shift + 7 > 32) hi |= shift >= 32 ? bits << (shift - 32) : bits >>> (32 - shift);
      if (byte < 0x80) {
        return hi === 0 ? BigInt(lo >>> 0) : (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
      }
    }
    throw this.#malformed("a varint longer than 10 bytes");
  }

  /** Reads a length prefix; returns where the field's bytes, which start at pos, end. */
  length(end: number): number {
    const n = this.varint(end);
    if (n > end - this.pos) throw this.#malformed("a length past the end of its message");
    return this.pos + n;
  }

  /** The bytes from pos to `fieldEnd` as UTF-8. */
  string(fieldEnd: number): string {
    const s = (this.buf as Utf8Sliceable).utf8Slice(this.pos, fieldEnd);
    this.pos = fieldEnd;
    return s;
  }

  /** A copy of the bytes from pos to `fieldEnd`: it does not keep the whole message alive. */
  bytes(fieldEnd: number): Buffer {
    const b = Buffer.from(this.buf.subarray(this.pos, fieldEnd));
    this.pos = fieldEnd;
    return b;
  }

  /** Whether the bytes from pos to `fieldEnd` are `bytes`; moves past them either way. */
  equals(fieldEnd: number, bytes: Buffer): boolean {
    const start = this.pos;
    this.pos = fieldEnd;
    if (fieldEnd - start !== bytes.length) return false;
    for (let i = 0; i < bytes.length; i++) if (this.buf[start + i] !== bytes[i]) return false;
    return true;
  }

  skip(wire: number, end: number): void {
    switch (wire) {
      case WIRE_VARINT:
        for (let i = 0; i < 10; i++) if (this.#byte(end) < 0x80) return;
        throw this.#malformed("a varint longer than 10 bytes");
      case WIRE_FIXED64:
        this.#advance(8, end);
        return;
      case WIRE_LENGTH:
        this.pos = this.length(end);
        return;
      case WIRE_FIXED32:
        this.#advance(4, end);
        return;
      default:
        throw this.#malformed(`wire type ${wire}`);
    }
  }

  #byte(end: number): number {
    if (this.pos >= end) throw this.#malformed("a field cut short");
    return this.buf[this.pos++] as number;
  }

  #advance(n: number, end: number): void {
    if (end - this.pos < n) throw this.#malformed("a field cut short");
    this.pos += n;
  }

  #malformed(what: string): BerthError {
    return new BerthError(ErrorCode.Internal, `malformed ${this.message}: ${what}`);
  }
}

/** Appends to one buffer that doubles when full; `finish` returns the bytes written. */
export class Writer {
  private buf: Buffer;
  pos = 0;

  constructor(initialBytes = 256) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  /** A non-negative integer below 2^53. */
  varint(value: number): void {
    if (value < TWO_32) {
      this.#reserve(5);
      let v = value;
      while (v >= 0x80) {
        this.buf[this.pos++] = (v & 0x7f) | 0x80;
        v = v >>> 7;
      }
      this.buf[this.pos++] = v;
    } else this.varintHiLo(Math.floor(value / TWO_32), value >>> 0);
  }

  /** A 64-bit varint from its two unsigned 32-bit halves (negative numbers in two's complement). */
  varintHiLo(hi: number, lo: number): void {
    this.#reserve(10);
    let h = hi >>> 0;
    let l = lo >>> 0;
    while (h !== 0 || l >= 0x80) {
      this.buf[this.pos++] = (l & 0x7f) | 0x80;
      l = ((l >>> 7) | (h << 25)) >>> 0;
      h = h >>> 7;
    }
    this.buf[this.pos++] = l;
  }

  bytes(value: Uint8Array): void {
    this.varint(value.length);
    this.#reserve(value.length);
    this.buf.set(value, this.pos);
    this.pos += value.length;
  }

  string(value: string): void {
    const n = Buffer.byteLength(value, "utf8");
    this.varint(n);
    this.#reserve(n);
    this.pos += this.buf.write(value, this.pos, n, "utf8");
  }

  /** Starts a length-delimited field whose length is not known yet; `endLength` writes it. */
  beginLength(): number {
    this.#reserve(1);
    return this.pos++;
  }

  /** Writes the length of what was written since `start`, moving it along if it needs more than a byte. */
  endLength(start: number): void {
    const length = this.pos - start - 1;
    if (length < 0x80) {
      this.buf[start] = length;
      return;
    }
    let size = 1;
    for (let v = length; v >= 0x80; v = v >>> 7) size++;
    this.#reserve(size - 1);
    this.buf.copyWithin(start + size, start + 1, this.pos);
    this.pos += size - 1;
    const end = this.pos;
    this.pos = start;
    this.varint(length);
    this.pos = end;
  }

  /** The bytes written, a view of the writer's buffer (gRPC copies them into its frame). */
  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  #reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }
}
