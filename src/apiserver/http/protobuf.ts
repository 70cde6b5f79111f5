/**
 * Just enough of Kubernetes' protobuf encoding to read what kubectl sends as protobuf: its typed
 * `create namespace|configmap|secret` commands post application/vnd.kubernetes.protobuf. A body is
 * the magic "k8s\0" and a runtime.Unknown {typeMeta, raw}; raw is the object's message. Field
 * numbers are those of k8s.io/api's generated.proto. Responses are always JSON.
 */
import { BerthError, ErrorCode } from "../../common/errors.js";
import type { ResourceDefinition } from "../registry/index.js";
import { unsupported } from "./status.js";

export const PROTOBUF_TYPE = "application/vnd.kubernetes.protobuf";
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

type Field = { no: number; wire: number; value: bigint | Buffer };

function malformed(what: string): BerthError {
  return new BerthError(ErrorCode.BadRequest, `the protobuf body is malformed: ${what}`);
}

function readVarint(buf: Buffer, pos: { i: number }): bigint {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    const b = buf[pos.i++];
    if (b === undefined) throw malformed("truncated varint");
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return result;
    shift += 7n;
    if (shift > 63n) throw malformed("varint too long");
  }
}

function fields(buf: Buffer): Field[] {
  const out: Field[] = [];
  const pos = { i: 0 };
  while (pos.i < buf.length) {
    const key = readVarint(buf, pos);
    const no = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (wire === 0) out.push({ no, wire, value: readVarint(buf, pos) });
    else if (wire === 2) {
      const len = Number(readVarint(buf, pos));
      if (pos.i + len > buf.length) throw malformed("field runs past the end");
      out.push({ no, wire, value: buf.subarray(pos.i, pos.i + len) });
      pos.i += len;
    } else if (wire === 1) {
      pos.i += 8;
    } else if (wire === 5) {
      pos.i += 4;
    } else throw malformed(`unsupported wire type ${wire}`);
  }
  return out;
}

type Kind =
  | "string"
  | "bytes"
  | "bool"
  | "int"
  /** A non-pointer field (omitempty in JSON): gogo-protobuf writes its zero value, JSON does not. */
  | "intOmitEmpty"
  | "boolOmitEmpty"
  | "stringMap"
  | "bytesMap"
  | "strings"
  | Schema
  | { readonly repeated: Schema };
interface Schema {
  readonly [no: number]: readonly [name: string, kind: Kind] | undefined;
}

const OBJECT_META: Schema = {
  1: ["name", "string"],
  2: ["generateName", "string"],
  3: ["namespace", "string"],
  5: ["uid", "string"],
  6: ["resourceVersion", "string"],
  7: ["generation", "intOmitEmpty"],
  10: ["deletionGracePeriodSeconds", "int"],
  11: ["labels", "stringMap"],
  12: ["annotations", "stringMap"],
  14: ["finalizers", "strings"],
};

const LABEL_SELECTOR: Schema = {
  1: ["matchLabels", "stringMap"],
  2: [
    "matchExpressions",
    { repeated: { 1: ["key", "string"], 2: ["operator", "string"], 3: ["values", "strings"] } },
  ],
};

/** core/v1 Container: the fields `kubectl create deployment` fills (name, image, command, ports). */
const CONTAINER: Schema = {
  1: ["name", "string"],
  2: ["image", "string"],
  3: ["command", "strings"],
  4: ["args", "strings"],
  5: ["workingDir", "string"],
  6: [
    "ports",
    {
      repeated: {
        1: ["name", "string"],
        2: ["hostPort", "intOmitEmpty"],
        3: ["containerPort", "int"],
        4: ["protocol", "string"],
        5: ["hostIP", "string"],
      },
    },
  ],
  7: ["env", { repeated: { 1: ["name", "string"], 2: ["value", "string"] } }],
  8: ["resources", { 1: ["limits", "stringMap"], 2: ["requests", "stringMap"] }],
  14: ["imagePullPolicy", "string"],
};

const POD_TEMPLATE: Schema = {
  1: ["metadata", OBJECT_META],
  2: [
    "spec",
    {
      2: ["containers", { repeated: CONTAINER }],
      3: ["restartPolicy", "string"],
      4: ["terminationGracePeriodSeconds", "int"],
      7: ["nodeSelector", "stringMap"],
      8: ["serviceAccountName", "string"],
      10: ["nodeName", "string"],
      20: ["initContainers", { repeated: CONTAINER }],
    },
  ],
};

/** generated.proto message numbers of the kinds kubectl creates over protobuf. */
const SCHEMAS: Record<string, Schema> = {
  Namespace: {
    1: ["metadata", OBJECT_META],
    2: ["spec", { 1: ["finalizers", "strings"] }],
    3: ["status", { 1: ["phase", "string"] }],
  },
  ConfigMap: {
    1: ["metadata", OBJECT_META],
    2: ["data", "stringMap"],
    3: ["binaryData", "bytesMap"],
    4: ["immutable", "bool"],
  },
  Secret: {
    1: ["metadata", OBJECT_META],
    2: ["data", "bytesMap"],
    3: ["type", "string"],
    4: ["stringData", "stringMap"],
    5: ["immutable", "bool"],
  },
  // kubectl create deployment
  "apps/Deployment": {
    1: ["metadata", OBJECT_META],
    2: [
      "spec",
      {
        1: ["replicas", "int"],
        2: ["selector", LABEL_SELECTOR],
        3: ["template", POD_TEMPLATE],
        4: ["strategy", { 1: ["type", "string"] }],
        5: ["minReadySeconds", "intOmitEmpty"],
        6: ["revisionHistoryLimit", "int"],
        7: ["paused", "boolOmitEmpty"],
        9: ["progressDeadlineSeconds", "int"],
      },
    ],
  },
};

function mapEntry(buf: Buffer, bytes: boolean): [string, string] {
  let key = "";
  let value = "";
  for (const f of fields(buf)) {
    if (!(f.value instanceof Buffer)) continue;
    if (f.no === 1) key = f.value.toString("utf8");
    if (f.no === 2) value = bytes ? f.value.toString("base64") : f.value.toString("utf8");
  }
  return [key, value];
}

function decodeMessage(buf: Buffer, schema: Schema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields(buf)) {
    const entry = schema[f.no];
    if (entry === undefined) continue;
    const [name, kind] = entry;
    if (typeof kind === "object" && "repeated" in kind) {
      if (f.value instanceof Buffer) {
        const items = (out[name] as unknown[] | undefined) ?? [];
        items.push(decodeMessage(f.value, kind.repeated as Schema));
        out[name] = items;
      }
      continue;
    }
    if (typeof kind === "object") {
      if (f.value instanceof Buffer) out[name] = decodeMessage(f.value, kind);
      continue;
    }
    switch (kind) {
      case "string":
        // gogo-protobuf writes empty strings too; JSON omits them
        if (f.value instanceof Buffer && f.value.length > 0) out[name] = f.value.toString("utf8");
        break;
      case "bytes":
        if (f.value instanceof Buffer) out[name] = f.value.toString("base64");
        break;
      case "bool":
        out[name] = f.value === 1n;
        break;
      case "int":
        if (typeof f.value === "bigint") out[name] = Number(BigInt.asIntN(64, f.value));
        break;
      case "intOmitEmpty":
        if (typeof f.value === "bigint" && f.value !== 0n) out[name] = Number(BigInt.asIntN(64, f.value));
        break;
      case "boolOmitEmpty":
        if (f.value === 1n) out[name] = true;
        break;
      case "strings":
        if (f.value instanceof Buffer)
          out[name] = [...((out[name] as string[] | undefined) ?? []), f.value.toString("utf8")];
        break;
      case "stringMap":
      case "bytesMap":
        if (f.value instanceof Buffer) {
          const [k, v] = mapEntry(f.value, kind === "bytesMap");
          out[name] = { ...((out[name] as Record<string, string> | undefined) ?? {}), [k]: v };
        }
        break;
    }
  }
  return out;
}

/** Decodes a protobuf body for `def`, or 415 when berth cannot read that kind in protobuf. */
export function decodeProtobuf(body: Buffer, def: ResourceDefinition): Record<string, unknown> {
  const schema = SCHEMAS[def.group === "" ? def.kind : `${def.group}/${def.kind}`];
  if (schema === undefined) {
    throw unsupported(
      "UnsupportedMediaType",
      `${def.kind} objects are not accepted as protobuf; send application/json`,
    );
  }
  if (!body.subarray(0, 4).equals(MAGIC)) throw malformed("missing the k8s envelope");
  let raw: Buffer | undefined;
  let kind = "";
  let apiVersion = "";
  for (const f of fields(body.subarray(4))) {
    if (f.no === 2 && f.value instanceof Buffer) raw = f.value;
    if (f.no === 1 && f.value instanceof Buffer) {
      for (const t of fields(f.value)) {
        if (t.no === 1 && t.value instanceof Buffer) apiVersion = t.value.toString("utf8");
        if (t.no === 2 && t.value instanceof Buffer) kind = t.value.toString("utf8");
      }
    }
  }
  if (raw === undefined) throw malformed("no object in the envelope");
  if (kind !== "" && kind !== def.kind)
    throw new BerthError(ErrorCode.BadRequest, `the body is a ${kind}, not a ${def.kind}`);
  const fallback = def.group === "" ? def.version : `${def.group}/${def.version}`;
  return { apiVersion: apiVersion || fallback, kind: def.kind, ...decodeMessage(raw, schema) };
}
