/**
 * Encodes requests and decodes answers of runtime.v1 by the schema read from
 * proto/runtime/v1/api.proto (proto-schema.ts). The agent does not load @grpc/proto-loader and
 * protobufjs: they would cost it about 3 MiB of memory to load and to build their reflection of
 * the file, for what a codec this size does.
 *
 * Decoded messages have the shapes of wire.ts, the conventions proto-loader gave with
 * `keepCase, longs: BigInt, enums: String, defaults: true`: field names as written in the proto;
 * every field present, absent scalars as their zero (`""`, `0`, `0n`, `false`, an empty Buffer,
 * the enum's value 0 by name), absent messages as null, repeated fields as arrays, maps as
 * objects; 64-bit integers as bigints; enums by name, or by number when the number has no name.
 * Fields the schema does not declare, and declared fields on a wire type they cannot have, are
 * skipped as unknown fields.
 *
 * Requests are plain objects in the same shapes. null and undefined leave a field out, and so do
 * proto3 zeros; a message given as an object is written even when empty (its presence is what
 * the runtime reads, e.g. run_as_user 0). 64-bit integers may be numbers, bigints or decimal
 * strings; enums names or numbers. Keys the schema does not declare are ignored. A value of the
 * wrong type throws an error naming the field.
 */
import { Reader, WIRE_LENGTH, WIRE_VARINT, Writer } from "../../common/protobuf-wire.js";
import type { FieldSchema, MessageSchema, ScalarType, ValueType } from "./proto-schema.js";

type Decoded = Record<string, unknown>;

const MAP_KEY = 1;
const MAP_VALUE = 2;
const TWO_32 = 2 ** 32;
const EMPTY = Buffer.alloc(0);

export function decodeMessage(schema: MessageSchema, message: Buffer): Decoded {
  const r = new Reader(message, schema.name);
  return readMessage(r, schema, message.length);
}

export function encodeMessage(schema: MessageSchema, value: object): Buffer {
  const w = new Writer();
  try {
    writeMessage(w, schema, value as Decoded);
  } catch (err) {
    if (err instanceof EncodeError)
      throw new TypeError(`${schema.name}${err.path}: ${err.message}`, { cause: err });
    throw err;
  }
  return w.finish();
}

// --- decoding

/** How a message is read, worked out once per message type. */
interface ReadPlan {
  /** Every field that is not repeated, at its zero: each decoded message starts as a copy. */
  readonly template: Decoded;
  /** Repeated and map fields: each decoded message gets its own array or object. */
  readonly fresh: readonly FieldSchema[];
  /** Fields by number (an array: numbers are small), with the wire type their values take. */
  readonly byNumber: readonly (FieldSchema | undefined)[];
  readonly wires: readonly number[];
}

const plans = new WeakMap<MessageSchema, ReadPlan>();

function planOf(schema: MessageSchema): ReadPlan {
  let plan = plans.get(schema);
  if (plan === undefined) {
    const template: Decoded = {};
    const fresh: FieldSchema[] = [];
    const byNumber: (FieldSchema | undefined)[] = [];
    const wires: number[] = [];
    for (const field of schema.fields) {
      if (field.map || field.repeated) fresh.push(field);
      else template[field.name] = zeroOfValue(field.value);
      byNumber[field.number] = field;
      wires[field.number] = wireOf(field.value);
    }
    plan = { template, fresh, byNumber, wires };
    plans.set(schema, plan);
  }
  return plan;
}

function readMessage(r: Reader, schema: MessageSchema, end: number): Decoded {
  const plan = planOf(schema);
  const out: Decoded = { ...plan.template };
  for (const field of plan.fresh) out[field.name] = field.map ? {} : [];
  while (r.pos < end) {
    const tag = r.varint(end);
    const wire = tag & 7;
    const number = tag >>> 3;
    const field = plan.byNumber[number];
    if (field === undefined) r.skip(wire, end);
    else if (field.map) {
      if (wire === WIRE_LENGTH) readMapEntry(r, field, r.length(end), out[field.name] as Decoded);
      else r.skip(wire, end);
    } else if (field.repeated) readRepeated(r, field.value, wire, end, out[field.name] as unknown[]);
    else if (wire === plan.wires[number]) out[field.name] = readValue(r, field.value, end);
    else r.skip(wire, end);
  }
  return out;
}

function zeroOfValue(value: ValueType): unknown {
  switch (value.kind) {
    case "message":
      return null;
    case "enum":
      return value.enum.zero;
    case "scalar":
      return zeroOfScalar(value.scalar);
  }
}

function zeroOfScalar(scalar: ScalarType): unknown {
  switch (scalar) {
    case "string":
      return "";
    case "bool":
      return false;
    case "int32":
    case "uint32":
      return 0;
    case "int64":
    case "uint64":
      return 0n;
    case "bytes":
      return EMPTY;
  }
}

function wireOf(value: ValueType): number {
  if (value.kind === "message") return WIRE_LENGTH;
  if (value.kind === "enum") return WIRE_VARINT;
  return value.scalar === "string" || value.scalar === "bytes" ? WIRE_LENGTH : WIRE_VARINT;
}

/** One value of the field's type at the reader, the tag already read. */
function readValue(r: Reader, value: ValueType, end: number): unknown {
  switch (value.kind) {
    case "message":
      return readMessage(r, value.message, r.length(end));
    case "enum": {
      const n = r.varint32(end);
      return value.enum.names.get(n) ?? n;
    }
    case "scalar":
      switch (value.scalar) {
        case "string":
          return r.string(r.length(end));
        case "bytes":
          return r.bytes(r.length(end));
        case "bool":
          return r.varint32(end) !== 0;
        case "int32":
          return r.varint32(end);
        case "uint32":
          return r.varint32(end) >>> 0;
        case "int64":
          return BigInt.asIntN(64, r.varint64(end));
        case "uint64":
          return r.varint64(end);
      }
  }
}

/** An element of a repeated field; numbers and enums may come packed into one length-delimited run. */
function readRepeated(r: Reader, value: ValueType, wire: number, end: number, into: unknown[]): void {
  const expected = wireOf(value);
  if (wire === expected) into.push(readValue(r, value, end));
  else if (wire === WIRE_LENGTH && expected === WIRE_VARINT) {
    const runEnd = r.length(end);
    while (r.pos < runEnd) into.push(readValue(r, value, runEnd));
  } else r.skip(wire, end);
}

function readMapEntry(r: Reader, field: FieldSchema, end: number, into: Decoded): void {
  let key = "";
  let value = zeroOfValue(field.value);
  const valueWire = wireOf(field.value);
  while (r.pos < end) {
    const tag = r.varint(end);
    const wire = tag & 7;
    if (tag >>> 3 === MAP_KEY && wire === WIRE_LENGTH) key = r.string(r.length(end));
    else if (tag >>> 3 === MAP_VALUE && wire === valueWire) value = readValue(r, field.value, end);
    else r.skip(wire, end);
  }
  into[key] = value;
}

// --- encoding

/**
 * A value the codec cannot write. It carries the path to the field from where it was thrown;
 * each enclosing field adds its name on the way out, so that no path is built unless one fails.
 */
class EncodeError extends TypeError {
  path = "";

  within(segment: string): EncodeError {
    this.path = segment + this.path;
    return this;
  }
}

function within(err: unknown, segment: string): unknown {
  return err instanceof EncodeError ? err.within(segment) : err;
}

function writeMessage(w: Writer, schema: MessageSchema, value: Decoded): void {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new EncodeError(`expected an object for message ${schema.name}`);
  for (const field of schema.fields) {
    const v = value[field.name];
    if (v === undefined || v === null) continue;
    try {
      if (field.map) writeMap(w, field, v);
      else if (field.repeated) writeRepeated(w, field, v);
      else if (field.value.kind === "message") writeNested(w, field.number, field.value.message, v);
      else if (!isZero(field.value, v)) {
        w.tag(field.number, wireOf(field.value));
        writeValue(w, field.value, v);
      }
    } catch (err) {
      throw within(err, `.${field.name}`);
    }
  }
}

function writeNested(w: Writer, number: number, schema: MessageSchema, v: unknown): void {
  w.tag(number, WIRE_LENGTH);
  const start = w.beginLength();
  writeMessage(w, schema, v as Decoded);
  w.endLength(start);
}

/** Whether v is the proto3 zero of its type, which the wire leaves out. */
function isZero(value: ValueType, v: unknown): boolean {
  if (value.kind === "enum") return v === 0 || v === value.enum.zero;
  if (value.kind === "message") return false;
  switch (value.scalar) {
    case "string":
      return v === "";
    case "bytes":
      return v instanceof Uint8Array && v.length === 0;
    case "bool":
      return v === false;
    case "int32":
    case "uint32":
      return v === 0;
    case "int64":
    case "uint64":
      return v === 0 || v === 0n || v === "0";
  }
}

function writeRepeated(w: Writer, field: FieldSchema, v: unknown): void {
  if (!Array.isArray(v)) throw new EncodeError("expected an array");
  if (v.length === 0) return;
  const value = field.value;
  let i = 0;
  try {
    if (value.kind === "message") {
      for (; i < v.length; i++) writeNested(w, field.number, value.message, v[i]);
    } else if (wireOf(value) === WIRE_VARINT) {
      // proto3 packs repeated numbers: one length-delimited run.
      w.tag(field.number, WIRE_LENGTH);
      const start = w.beginLength();
      for (; i < v.length; i++) writeValue(w, value, v[i]);
      w.endLength(start);
    } else {
      for (; i < v.length; i++) {
        w.tag(field.number, WIRE_LENGTH);
        writeValue(w, value, v[i]);
      }
    }
  } catch (err) {
    throw within(err, `[${i}]`);
  }
}

function writeMap(w: Writer, field: FieldSchema, v: unknown): void {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new EncodeError("expected an object");
  const valueWire = wireOf(field.value);
  for (const key in v) {
    const entry = (v as Decoded)[key];
    w.tag(field.number, WIRE_LENGTH);
    const start = w.beginLength();
    w.tag(MAP_KEY, WIRE_LENGTH);
    w.string(key);
    if (entry !== undefined && entry !== null) {
      w.tag(MAP_VALUE, valueWire);
      try {
        writeValue(w, field.value, entry);
      } catch (err) {
        throw within(err, `[${JSON.stringify(key)}]`);
      }
    }
    w.endLength(start);
  }
}

/** One value after its tag. Messages are written by writeNested. */
function writeValue(w: Writer, value: ValueType, v: unknown): void {
  switch (value.kind) {
    case "message":
      throw new EncodeError("a message is written with its length");
    case "enum": {
      const n = typeof v === "string" ? value.enum.numbers.get(v) : v;
      if (typeof n !== "number" || !Number.isInteger(n))
        throw new EncodeError(`${JSON.stringify(v)} is not a value of enum ${value.enum.name}`);
      writeInt32(w, n);
      return;
    }
    case "scalar":
      switch (value.scalar) {
        case "string":
          if (typeof v !== "string") throw new EncodeError("expected a string");
          w.string(v);
          return;
        case "bytes":
          if (!(v instanceof Uint8Array)) throw new EncodeError("expected a Buffer");
          w.bytes(v);
          return;
        case "bool":
          if (typeof v !== "boolean") throw new EncodeError("expected a boolean");
          w.varint(v ? 1 : 0);
          return;
        case "int32":
          writeInt32(w, integer(v, -(2 ** 31), 2 ** 31 - 1));
          return;
        case "uint32":
          w.varint(integer(v, 0, TWO_32 - 1));
          return;
        case "int64":
        case "uint64":
          writeInt64(w, v, value.scalar === "uint64");
          return;
      }
  }
}

function integer(v: unknown, min: number, max: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max)
    throw new EncodeError(`expected an integer from ${min} to ${max}, got ${String(v)}`);
  return v;
}

/** Negative int32s take ten bytes on the wire: they are sign-extended to 64 bits. */
function writeInt32(w: Writer, n: number): void {
  if (n >= 0) w.varint(n);
  else w.varintHiLo(0xffffffff, n >>> 0);
}

function writeInt64(w: Writer, v: unknown, unsigned: boolean): void {
  if (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) {
    w.varint(v);
    return;
  }
  let big: bigint;
  if (typeof v === "bigint") big = v;
  else if (typeof v === "number" && Number.isSafeInteger(v)) big = BigInt(v);
  else if (typeof v === "string" && /^-?\d+$/.test(v)) big = BigInt(v);
  else throw new EncodeError("expected a 64-bit integer (a safe integer, bigint or decimal string)");
  const min = unsigned ? 0n : -(2n ** 63n);
  const max = unsigned ? 2n ** 64n - 1n : 2n ** 63n - 1n;
  if (big < min || big > max)
    throw new EncodeError(`${big} is out of range for ${unsigned ? "uint64" : "int64"}`);
  const bits = BigInt.asUintN(64, big);
  w.varintHiLo(Number(bits >> 32n), Number(bits & 0xffffffffn));
}
