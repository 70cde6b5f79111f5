/**
 * The methods of the proto as berth's codec reads them, and protobufjs, loaded through @grpc/proto-loader, as the reference for berth's CRI codec in the
 * unit tests: it encodes as the runtimes' protobuf libraries do and decodes into the shapes of
 * wire.ts with the options below. A development dependency: the agent does not load it.
 */
import * as protoLoader from "@grpc/proto-loader";
import { CRI_PROTO_PATH } from "./connection.js";
import { loadProtoSchema, type MethodSchema, type ProtoSchema } from "./proto-schema.js";

/** The options whose decoded shapes the codec reproduces (codec.ts). */
export const CRI_LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: BigInt,
  enums: String,
  defaults: true,
  oneofs: true,
};

export interface ReferenceMethod {
  requestSerialize(value: object): Buffer;
  requestDeserialize(bytes: Buffer): Record<string, unknown>;
  responseSerialize(value: object): Buffer;
  responseDeserialize(bytes: Buffer): Record<string, unknown>;
}

let definition: protoLoader.PackageDefinition | undefined;

/** A method of runtime.v1's RuntimeService or ImageService as protobufjs reads and writes it. */
export function referenceMethod(name: string): ReferenceMethod {
  definition ??= protoLoader.loadSync(CRI_PROTO_PATH, CRI_LOADER_OPTIONS);
  for (const service of ["runtime.v1.RuntimeService", "runtime.v1.ImageService"]) {
    const methods = definition[service] as unknown as Record<string, ReferenceMethod> | undefined;
    const method = methods?.[name];
    if (method !== undefined) return method;
  }
  throw new Error(`no CRI method ${name} in ${CRI_PROTO_PATH}`);
}

let schema: ProtoSchema | undefined;

/** A method of either service by name, with the request and response schemas berth's codec uses. */
export function berthMethod(name: string): MethodSchema {
  schema ??= loadProtoSchema(CRI_PROTO_PATH);
  for (const methods of schema.services.values()) {
    const method = methods.get(name);
    if (method !== undefined) return method;
  }
  throw new Error(`no CRI method ${name} in ${CRI_PROTO_PATH}`);
}
