/**
 * The Swagger 2.0 document in gnostic's protobuf form (openapi_v2.Document of
 * github.com/google/gnostic-models openapiv2/OpenAPIv2.proto), as kubectl asks for it. Only the
 * messages and fields berth's document uses are written, with upstream's field numbers. Values
 * that gnostic keeps as `Any` (defaults, enums, vendor extensions) carry their YAML text; JSON is
 * YAML, and kubectl reads them with a YAML parser.
 */

type Json = Record<string, unknown>;

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return out;
}

/** A length-delimited field (wire type 2): a string, bytes or an embedded message. */
function field(no: number, bytes: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([...varint((no << 3) | 2), ...varint(bytes.length)]), bytes]);
}

function str(no: number, value: unknown): Buffer[] {
  return typeof value === "string" && value !== "" ? [field(no, Buffer.from(value, "utf8"))] : [];
}

function strings(no: number, value: unknown): Buffer[] {
  return Array.isArray(value) ? value.flatMap((v) => str(no, v)) : [];
}

function bool(no: number, value: unknown): Buffer[] {
  return value === true ? [Buffer.from([...varint(no << 3), 1])] : [];
}

function message(no: number, parts: Buffer[]): Buffer {
  return field(no, Buffer.concat(parts));
}

/** openapi_v2.Any { yaml = 2 } */
function any(no: number, value: unknown): Buffer {
  return message(no, str(2, JSON.stringify(value)));
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Vendor extensions as repeated NamedAny { name = 1, value = 2 }. */
function extensions(no: number, obj: Json): Buffer[] {
  return Object.entries(obj)
    .filter(([k]) => k.startsWith("x-"))
    .map(([k, v]) => message(no, [...str(1, k), any(2, v)]));
}

/** openapi_v2.Schema */
function schema(s: Json): Buffer[] {
  const parts = [...str(1, s["$ref"]), ...str(2, s["format"]), ...str(3, s["title"])];
  parts.push(...str(4, s["description"]));
  if (s["default"] !== undefined) parts.push(any(5, s["default"]));
  parts.push(...bool(16, s["uniqueItems"]), ...strings(19, s["required"]));
  if (Array.isArray(s["enum"])) parts.push(...s["enum"].map((v) => any(20, v)));
  const additional = s["additionalProperties"];
  // AdditionalPropertiesItem { schema = 1, boolean = 2 }
  if (isObject(additional)) parts.push(message(21, [message(1, schema(additional))]));
  else if (typeof additional === "boolean") parts.push(message(21, bool(2, additional)));
  // TypeItem { repeated string value = 1 }
  if (typeof s["type"] === "string") parts.push(message(22, str(1, s["type"])));
  // ItemsItem { repeated Schema schema = 1 }
  if (isObject(s["items"])) parts.push(message(23, [message(1, schema(s["items"]))]));
  if (Array.isArray(s["allOf"])) {
    parts.push(...s["allOf"].filter(isObject).map((sub) => message(24, schema(sub))));
  }
  // Properties { repeated NamedSchema additional_properties = 1 }
  if (isObject(s["properties"])) parts.push(message(25, namedSchemas(s["properties"])));
  parts.push(...bool(27, s["readOnly"]), ...extensions(31, s));
  return parts;
}

/** repeated NamedSchema { name = 1, value = 2 } as field 1 of Properties or Definitions. */
function namedSchemas(map: Json): Buffer[] {
  return Object.entries(map)
    .filter((e): e is [string, Json] => isObject(e[1]))
    .map(([name, s]) => message(1, [...str(1, name), message(2, schema(s))]));
}

/** ParametersItem { parameter = 1: Parameter { body_parameter = 1, non_body_parameter = 2 } } */
function parameter(p: Json): Buffer {
  if (p["in"] === "body") {
    // BodyParameter { description = 1, name = 2, in = 3, required = 4, schema = 5 }
    const body = [...str(1, p["description"]), ...str(2, p["name"]), ...str(3, p["in"])];
    body.push(...bool(4, p["required"]));
    if (isObject(p["schema"])) body.push(message(5, schema(p["schema"])));
    return message(8, [message(1, [message(1, body)])]);
  }
  // NonBodyParameter { query_parameter_sub_schema = 3 }: required 1, in 2, description 3, name 4,
  // type 6, unique_items 20
  const query = [...bool(1, p["required"]), ...str(2, p["in"]), ...str(3, p["description"])];
  query.push(...str(4, p["name"]), ...str(6, p["type"]), ...bool(20, p["uniqueItems"]));
  return message(8, [message(1, [message(2, [message(3, query)])])]);
}

/** Responses { repeated NamedResponseValue response_code = 1 } */
function responses(map: Json): Buffer[] {
  return Object.entries(map)
    .filter((e): e is [string, Json] => isObject(e[1]))
    .map(([code, r]) => {
      // Response { description = 1, schema = 2: SchemaItem { schema = 1 } }
      const response = [...str(1, r["description"])];
      if (isObject(r["schema"])) response.push(message(2, [message(1, schema(r["schema"]))]));
      // NamedResponseValue { name = 1, value = 2: ResponseValue { response = 1 } }
      return message(1, [...str(1, code), message(2, [message(1, response)])]);
    });
}

/** openapi_v2.Operation */
function operation(op: Json): Buffer[] {
  const parts = [...strings(1, op["tags"]), ...str(3, op["description"]), ...str(5, op["operationId"])];
  parts.push(...strings(6, op["produces"]), ...strings(7, op["consumes"]));
  if (Array.isArray(op["parameters"])) parts.push(...op["parameters"].filter(isObject).map(parameter));
  if (isObject(op["responses"])) parts.push(message(9, responses(op["responses"])));
  parts.push(...strings(10, op["schemes"]), ...extensions(13, op));
  return parts;
}

/** PathItem field numbers of the operations. */
const OPERATIONS: readonly [string, number][] = [
  ["get", 2],
  ["put", 3],
  ["post", 4],
  ["delete", 5],
  ["options", 6],
  ["head", 7],
  ["patch", 8],
];

/** Encodes a Swagger 2.0 document (JSON form) as openapi_v2.Document. */
export function encodeOpenapiV2(doc: Json): Buffer {
  const info = isObject(doc["info"]) ? doc["info"] : {};
  const parts = [
    ...str(1, doc["swagger"]),
    message(2, [...str(1, info["title"]), ...str(2, info["version"])]),
  ];
  // Paths { repeated NamedPathItem path = 2 }
  const paths = isObject(doc["paths"]) ? doc["paths"] : {};
  const items = Object.entries(paths)
    .filter((e): e is [string, Json] => isObject(e[1]))
    .map(([path, item]) => {
      const ops = OPERATIONS.flatMap(([verb, no]) => {
        const op = item[verb];
        return isObject(op) ? [message(no, operation(op))] : [];
      });
      return message(2, [...str(1, path), message(2, ops)]);
    });
  parts.push(message(8, items));
  // Definitions { repeated NamedSchema additional_properties = 1 }
  parts.push(message(9, namedSchemas(isObject(doc["definitions"]) ? doc["definitions"] : {})));
  return Buffer.concat(parts);
}
