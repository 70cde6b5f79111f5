/**
 * /openapi/v2, the Swagger 2.0 document older kubectl reads (1.27 and 1.28 for apply and describe;
 * newer ones for a group /openapi/v3 does not list). It carries the document's frame only, with no
 * paths or definitions: kubectl then finds no schema for a kind and leaves validation to the
 * server. JSON, or gnostic's openapi_v2.Document in protobuf when asked for.
 */
import { KUBERNETES_GIT_VERSION } from "../../common/version.js";

export const OPENAPI_V2_PROTOBUF = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";

export function openapiV2Json(): Record<string, unknown> {
  return {
    swagger: "2.0",
    info: { title: "Kubernetes", version: KUBERNETES_GIT_VERSION },
    paths: {},
    definitions: {},
  };
}

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

/** A length-delimited field (wire type 2). */
function field(no: number, bytes: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([...varint((no << 3) | 2), ...varint(bytes.length)]), bytes]);
}

/** openapi_v2.Document: swagger = 1, info = 2 (title = 1, version = 2), paths = 8, definitions = 9. */
export function openapiV2Protobuf(): Buffer {
  const info = Buffer.concat([
    field(1, Buffer.from("Kubernetes")),
    field(2, Buffer.from(KUBERNETES_GIT_VERSION)),
  ]);
  return Buffer.concat([
    field(1, Buffer.from("2.0")),
    field(2, info),
    field(8, new Uint8Array(0)),
    field(9, new Uint8Array(0)),
  ]);
}
