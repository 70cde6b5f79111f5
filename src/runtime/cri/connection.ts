import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import { BerthError, ErrorCode } from "../../common/errors.js";
import type { Logger } from "../../common/log.js";
import { decodeMessage, encodeMessage } from "./codec.js";
import { criError, type CriSubject } from "./errors.js";
import { loadProtoSchema, type MethodSchema, type ProtoSchema } from "./proto-schema.js";

/** proto/runtime/v1/api.proto, the same relative path from src/ and from dist/. */
export const CRI_PROTO_PATH = fileURLToPath(new URL("../../../proto/runtime/v1/api.proto", import.meta.url));

/** CRI messages can be large (ExecSync output is capped at 16 MiB by the runtime). */
export const CRI_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
/** Default deadline of a runtime call (kubelet: defaultConnectionTimeout / runtimeRequestTimeout is 2m). */
export const CRI_DEFAULT_TIMEOUT_MS = 2 * 60_000;
/** Reconnect quickly after the runtime restarts (grpc-js would back off up to 2 minutes). */
const MAX_RECONNECT_BACKOFF_MS = 1_000;

type Service = "runtime" | "image";

const SERVICE_NAMES: Record<Service, string> = { runtime: "RuntimeService", image: "ImageService" };

let schema: ProtoSchema | undefined;

/** The proto's schema, read once per process. */
function criSchema(): ProtoSchema {
  schema ??= loadProtoSchema(CRI_PROTO_PATH);
  return schema;
}

function methodOf(service: Service, method: string): MethodSchema | undefined {
  return criSchema().services.get(SERVICE_NAMES[service])?.get(method);
}

/** "unix:///run/containerd/containerd.sock", or a bare absolute path taken as a unix socket. */
export function grpcTarget(endpoint: string): string {
  if (endpoint.startsWith("/")) return `unix://${endpoint}`;
  if (/^unix:\/\/\//.test(endpoint) || /^(dns|ipv4|ipv6):/.test(endpoint)) return endpoint;
  if (endpoint.startsWith("unix://")) {
    throw new BerthError(
      ErrorCode.Config,
      `CRI endpoint ${endpoint}: a unix socket path must be absolute (unix:///path)`,
    );
  }
  if (/^[\w.-]+:\d+$/.test(endpoint)) return endpoint;
  throw new BerthError(
    ErrorCode.Config,
    `CRI endpoint ${JSON.stringify(endpoint)} is neither unix:///path nor host:port`,
  );
}

export interface CallOptions<Res = unknown> {
  /** Deadline of this call; defaults to the connection's. */
  readonly timeoutMs?: number;
  readonly subject: CriSubject;
  /** An id or image reference, for the error message. */
  readonly target?: string;
  /** Reads the answer from its bytes instead of the codec's decode of the whole message. */
  readonly decode?: (message: Buffer) => Res;
}

/**
 * One gRPC client for both runtime.v1 services on the channel target; the method's path names
 * the service. When a call fails with UNAVAILABLE (the runtime restarted or its socket went
 * away) the client is dropped and recreated on the next call, so the adapter survives runtime
 * restarts without waiting for grpc-js backoff.
 */
export class CriConnection {
  readonly target: string;
  private current: grpc.Client | undefined;
  private closed = false;

  constructor(
    endpoint: string,
    private readonly defaultTimeoutMs: number,
    private readonly log: Logger,
  ) {
    this.target = grpcTarget(endpoint);
    criSchema();
  }

  private client(): grpc.Client {
    if (this.closed)
      throw new BerthError(ErrorCode.RuntimeUnavailable, `CRI connection to ${this.target} is closed`);
    this.current ??= new grpc.Client(this.target, grpc.credentials.createInsecure(), {
      "grpc.max_receive_message_length": CRI_MAX_MESSAGE_BYTES,
      "grpc.max_send_message_length": CRI_MAX_MESSAGE_BYTES,
      "grpc.initial_reconnect_backoff_ms": 100,
      "grpc.max_reconnect_backoff_ms": MAX_RECONNECT_BACKOFF_MS,
    });
    return this.current;
  }

  private reset(): void {
    const client = this.current;
    this.current = undefined;
    client?.close();
  }

  /** One unary call; failures are BerthErrors (see criError). */
  call<Res>(service: Service, method: string, request: object, options: CallOptions<Res>): Promise<Res> {
    let client: grpc.Client;
    try {
      client = this.client();
    } catch (err) {
      return Promise.reject(err);
    }
    const definition = methodOf(service, method);
    if (definition === undefined) {
      return Promise.reject(
        new BerthError(ErrorCode.Internal, `CRI method ${method} is not in ${CRI_PROTO_PATH}`),
      );
    }
    const decode =
      options.decode ?? ((message: Buffer) => decodeMessage(definition.response, message) as Res);
    const deadline = Date.now() + (options.timeoutMs ?? this.defaultTimeoutMs);
    return new Promise<Res>((resolve, reject) => {
      client.makeUnaryRequest(
        definition.path,
        (value: object) => encodeMessage(definition.request, value),
        decode,
        request,
        new grpc.Metadata(),
        { deadline },
        (err, response) => {
          if (err) {
            if (err.code === grpc.status.UNAVAILABLE && this.current === client) {
              this.log.warn(
                { method, target: this.target },
                "CRI runtime unavailable; reconnecting on next call",
              );
              this.reset();
            }
            reject(criError(err, method, options.subject, options.target));
            return;
          }
          resolve(response as Res);
        },
      );
    });
  }

  close(): void {
    this.closed = true;
    this.reset();
  }
}
