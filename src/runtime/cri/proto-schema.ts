/**
 * The schema of proto/runtime/v1/api.proto, read from the file when the CRI adapter starts: its
 * messages with their fields' numbers and types, its enums, and its services' unary methods. The
 * codec (codec.ts) encodes and decodes by it. The parser knows the proto3 that file is written in:
 * `syntax`, `package`, top-level and nested `message` and `enum`, fields that are scalar, enum,
 * message, `repeated` or `map<string, T>`, and services of unary `rpc`s. Anything else is an error
 * naming the line, so the file cannot drift into something the codec would misread.
 */
import { readFileSync } from "node:fs";

/** The scalar types the codec reads and writes. */
export type ScalarType = "string" | "bytes" | "bool" | "int32" | "uint32" | "int64" | "uint64";

const SCALARS: ReadonlySet<string> = new Set<ScalarType>([
  "string",
  "bytes",
  "bool",
  "int32",
  "uint32",
  "int64",
  "uint64",
]);

export interface EnumSchema {
  readonly name: string;
  /** Value names by number. */
  readonly names: ReadonlyMap<number, string>;
  /** Numbers by value name. */
  readonly numbers: ReadonlyMap<string, number>;
  /** The name of value 0, a proto3 enum's default. */
  readonly zero: string;
}

/** What one field, or a map's value, holds. */
export type ValueType =
  | { readonly kind: "scalar"; readonly scalar: ScalarType }
  | { readonly kind: "enum"; readonly enum: EnumSchema }
  | { readonly kind: "message"; readonly message: MessageSchema };

export interface FieldSchema {
  readonly name: string;
  readonly number: number;
  readonly repeated: boolean;
  /** Set for `map<string, T>`: the field is an object keyed by string. */
  readonly map: boolean;
  readonly value: ValueType;
}

export interface MessageSchema {
  readonly name: string;
  readonly fields: readonly FieldSchema[];
}

export interface MethodSchema {
  /** The gRPC path: /runtime.v1.RuntimeService/ListContainers. */
  readonly path: string;
  readonly request: MessageSchema;
  readonly response: MessageSchema;
}

export interface ProtoSchema {
  readonly package: string;
  readonly messages: ReadonlyMap<string, MessageSchema>;
  /** Methods by service, then by method name. */
  readonly services: ReadonlyMap<string, ReadonlyMap<string, MethodSchema>>;
}

export function loadProtoSchema(path: string): ProtoSchema {
  return parseProtoSchema(readFileSync(path, "utf8"), path);
}

/** Field as written, before type names are resolved. */
interface RawField {
  name: string;
  number: number;
  repeated: boolean;
  map: boolean;
  type: string;
  line: number;
}

interface RawMessage {
  /** Dotted path from the package: "SecurityProfile.ProfileType" for nested types. */
  path: string;
  fields: RawField[];
}

interface RawMethod {
  name: string;
  request: string;
  response: string;
  line: number;
}

interface Token {
  text: string;
  line: number;
}

const TOKEN = /\s+|\/\/[^\n]*|\/\*[\s\S]*?\*\/|"(?:[^"\\\n]|\\.)*"|[A-Za-z_][\w.]*|\d+|[{}()<>;=,[\]]/y;

function tokenize(source: string, file: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < source.length) {
    const start = TOKEN.lastIndex;
    const match = TOKEN.exec(source);
    if (match === null)
      throw new Error(`${file}:${line}: unexpected character ${JSON.stringify(source[start])}`);
    const text = match[0];
    if (!/^\s|^\/[/*]/.test(text)) tokens.push({ text, line });
    for (const ch of text) if (ch === "\n") line++;
  }
  return tokens;
}

class Parser {
  private pos = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly file: string,
  ) {}

  get done(): boolean {
    return this.pos >= this.tokens.length;
  }

  get line(): number {
    return (this.tokens[this.pos] ?? this.tokens[this.tokens.length - 1])?.line ?? 0;
  }

  peek(): string | undefined {
    return this.tokens[this.pos]?.text;
  }

  next(): string {
    const token = this.tokens[this.pos++];
    if (token === undefined) throw this.error("unexpected end of file");
    return token.text;
  }

  expect(text: string): void {
    const got = this.next();
    if (got !== text) throw this.error(`expected ${JSON.stringify(text)}, found ${JSON.stringify(got)}`, -1);
  }

  name(): string {
    const got = this.next();
    if (!/^[A-Za-z_]/.test(got)) throw this.error(`expected a name, found ${JSON.stringify(got)}`, -1);
    return got;
  }

  number(): number {
    const got = this.next();
    if (!/^\d+$/.test(got)) throw this.error(`expected a number, found ${JSON.stringify(got)}`, -1);
    return Number(got);
  }

  error(message: string, back = 0): Error {
    const token = this.tokens[this.pos + back] ?? this.tokens[this.tokens.length - 1];
    return new Error(`${this.file}:${token?.line ?? 0}: ${message}`);
  }
}

export function parseProtoSchema(source: string, file = "proto"): ProtoSchema {
  const p = new Parser(tokenize(source, file), file);
  let pkg = "";
  const messages: RawMessage[] = [];
  const enums = new Map<string, EnumSchema>();
  const services = new Map<string, RawMethod[]>();

  const parseEnum = (scope: string): void => {
    const name = p.name();
    const names = new Map<number, string>();
    const numbers = new Map<string, number>();
    p.expect("{");
    while (p.peek() !== "}") {
      const value = p.name();
      p.expect("=");
      const n = p.number();
      p.expect(";");
      names.set(n, value);
      numbers.set(value, n);
    }
    p.expect("}");
    const zero = names.get(0);
    if (zero === undefined) throw p.error(`enum ${name} has no value 0`, -1);
    enums.set(scope + name, { name, names, numbers, zero });
  };

  const parseMessage = (scope: string): void => {
    const path = scope + p.name();
    const message: RawMessage = { path, fields: [] };
    messages.push(message);
    p.expect("{");
    while (p.peek() !== "}") {
      const line = p.line;
      const word = p.name();
      if (word === "message") {
        parseMessage(path + ".");
        continue;
      }
      if (word === "enum") {
        parseEnum(path + ".");
        continue;
      }
      let repeated = false;
      let map = false;
      let type = word;
      if (word === "repeated") {
        repeated = true;
        type = p.name();
      } else if (word === "map") {
        map = true;
        p.expect("<");
        const key = p.name();
        if (key !== "string") throw p.error(`map keys other than string are not supported (${key})`, -1);
        p.expect(",");
        type = p.name();
        p.expect(">");
      } else if (word === "optional" || word === "oneof" || word === "reserved" || word === "option") {
        throw p.error(`"${word}" is not supported by berth's CRI codec`, -1);
      }
      const name = p.name();
      p.expect("=");
      const number = p.number();
      p.expect(";");
      message.fields.push({ name, number, repeated, map, type, line });
    }
    p.expect("}");
  };

  const parseService = (): void => {
    const name = p.name();
    const methods: RawMethod[] = [];
    p.expect("{");
    while (p.peek() !== "}") {
      const line = p.line;
      p.expect("rpc");
      const method = p.name();
      p.expect("(");
      const request = p.name();
      if (request === "stream") throw p.error(`${method}: streaming methods are not supported`, -1);
      p.expect(")");
      p.expect("returns");
      p.expect("(");
      const response = p.name();
      if (response === "stream") throw p.error(`${method}: streaming methods are not supported`, -1);
      p.expect(")");
      if (p.peek() === "{") {
        p.expect("{");
        p.expect("}");
      } else p.expect(";");
      methods.push({ name: method, request, response, line });
    }
    p.expect("}");
    services.set(name, methods);
  };

  while (!p.done) {
    const word = p.name();
    if (word === "syntax") {
      p.expect("=");
      const syntax = p.next();
      if (syntax !== '"proto3"') throw p.error(`only proto3 is supported, found ${syntax}`, -1);
      p.expect(";");
    } else if (word === "package") {
      pkg = p.name();
      p.expect(";");
    } else if (word === "message") parseMessage("");
    else if (word === "enum") parseEnum("");
    else if (word === "service") parseService();
    else throw p.error(`unexpected ${JSON.stringify(word)} at the top level`, -1);
  }

  // Messages are created before their fields are resolved, so fields may name any message.
  const fieldsOf = new Map<string, FieldSchema[]>();
  const schemas = new Map<string, MessageSchema>();
  for (const m of messages) {
    const fields: FieldSchema[] = [];
    fieldsOf.set(m.path, fields);
    schemas.set(m.path, { name: m.path, fields });
  }

  /** A type name as protoc resolves it: the innermost enclosing scope that declares it wins. */
  const resolve = (scope: string, type: string, line: number): ValueType => {
    if (SCALARS.has(type)) return { kind: "scalar", scalar: type as ScalarType };
    const local = type.startsWith(pkg + ".") ? type.slice(pkg.length + 1) : type;
    const parts = scope.split(".");
    for (let i = parts.length; i >= 0; i--) {
      const candidate = [...parts.slice(0, i), local].join(".");
      const message = schemas.get(candidate);
      if (message !== undefined) return { kind: "message", message };
      const e = enums.get(candidate);
      if (e !== undefined) return { kind: "enum", enum: e };
    }
    throw new Error(`${file}:${line}: unknown type ${type}`);
  };

  for (const m of messages) {
    const fields = fieldsOf.get(m.path) ?? [];
    for (const raw of m.fields) {
      if (fields.some((f) => f.number === raw.number))
        throw new Error(`${file}:${raw.line}: ${m.path} uses field number ${raw.number} twice`);
      const value = resolve(m.path, raw.type, raw.line);
      if (raw.map && value.kind === "message")
        throw new Error(`${file}:${raw.line}: map values that are messages are not supported`);
      const field: FieldSchema = {
        name: raw.name,
        number: raw.number,
        repeated: raw.repeated,
        map: raw.map,
        value,
      };
      fields.push(field);
    }
  }

  const serviceSchemas = new Map<string, Map<string, MethodSchema>>();
  for (const [service, methods] of services) {
    const byName = new Map<string, MethodSchema>();
    for (const raw of methods) {
      const message = (name: string): MessageSchema => {
        const found = resolve("", name, raw.line);
        if (found.kind !== "message") throw new Error(`${file}:${raw.line}: ${name} is not a message`);
        return found.message;
      };
      byName.set(raw.name, {
        path: `/${pkg ? pkg + "." : ""}${service}/${raw.name}`,
        request: message(raw.request),
        response: message(raw.response),
      });
    }
    serviceSchemas.set(service, byName);
  }

  return { package: pkg, messages: schemas, services: serviceSchemas };
}
