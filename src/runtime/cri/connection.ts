import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { BerthError, ErrorCode } from "../../common/errors.js";
import type { Logger } from "../../common/log.js";
import { criError, type CriSubject } from "./errors.js";

/** proto/runtime/v1/api.proto, the same relative path from src/ and from dist/. */
export const CRI_PROTO_PATH = fileURLToPath(new URL("../../../proto/runtime/v1/api.proto", import.meta.url));

/** CRI messages can be large (ExecSync output is capped at 16 MiB by the runtime). */
export const CRI_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
/** Default deadline of a runtime call (kubelet: defaultConnectionTimeout / runtimeRequestTimeout is 2m). */
export const CRI_DEFAULT_TIMEOUT_MS = 2 * 60_000;
/** Reconnect quickly after the runtime restarts (grpc-js would back off up to 2 minutes). */
const MAX_RECONNECT_BACKOFF_MS = 1_000;

type Service = "runtime" | "image";
type ClientConstructor = (new (
  address: string,
  credentials: grpc.ChannelCredentials,
  options: object,
) => grpc.Client) & { readonly service: grpc.ServiceDefinition };

interface Constructors {
  readonly runtime: ClientConstructor;
  readonly image: ClientConstructor;
}

/** How the runtime.v1 messages are decoded: the shapes of wire.ts. */
export const CRI_LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true, // else snake_case request fields are silently dropped
  // Nanosecond timestamps exact, as bigints: protobufjs's Long.toString divides in JavaScript
  // and was a tenth of the agent's CPU in the relist under --jitless; toBigInt shifts natively.
  longs: BigInt,
  enums: String,
  defaults: true, // else zero enums (SANDBOX_READY, exit_code 0) come back undefined
  oneofs: true,
};

let constructors: Constructors | undefined;

function loadConstructors(): Constructors {
  if (constructors) return constructors;
  const definition = protoLoader.loadSync(CRI_PROTO_PATH, CRI_LOADER_OPTIONS);
  const pkg = grpc.loadPackageDefinition(definition) as unknown as {
    runtime: { v1: { RuntimeService: ClientConstructor; ImageService: ClientConstructor } };
  };
  constructors = { runtime: pkg.runtime.v1.RuntimeService, image: pkg.runtime.v1.ImageService };
  return constructors;
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
  /** Reads the answer from its bytes instead of proto-loader's decode of the whole message. */
  readonly decode?: (message: Buffer) => Res;
}

/**
 * The two runtime.v1 service clients on one channel target. When a call fails with UNAVAILABLE
 * (the runtime restarted or its socket went away) the clients are dropped and recreated on the
 * next call, so the adapter survives runtime restarts without waiting for grpc-js backoff.
 */
export class CriConnection {
  readonly target: string;
  private clients: { runtime: grpc.Client; image: grpc.Client } | undefined;
  private closed = false;

  constructor(
    endpoint: string,
    private readonly defaultTimeoutMs: number,
    private readonly log: Logger,
  ) {
    this.target = grpcTarget(endpoint);
    loadConstructors();
  }

  private client(service: Service): grpc.Client {
    if (this.closed)
      throw new BerthError(ErrorCode.RuntimeUnavailable, `CRI connection to ${this.target} is closed`);
    if (!this.clients) {
      const ctors = loadConstructors();
      const options = {
        "grpc.max_receive_message_length": CRI_MAX_MESSAGE_BYTES,
        "grpc.max_send_message_length": CRI_MAX_MESSAGE_BYTES,
        "grpc.initial_reconnect_backoff_ms": 100,
        "grpc.max_reconnect_backoff_ms": MAX_RECONNECT_BACKOFF_MS,
      };
      const credentials = grpc.credentials.createInsecure();
      const runtime = new ctors.runtime(this.target, credentials, options);
      // Both services share one channel: the image client reuses the runtime client's.
      const image = new ctors.image(this.target, credentials, {
        ...options,
        channelOverride: runtime.getChannel(),
      });
      this.clients = { runtime, image };
    }
    return this.clients[service];
  }

  private reset(): void {
    const clients = this.clients;
    this.clients = undefined;
    clients?.runtime.close();
  }

  /** One unary call; failures are BerthErrors (see criError). */
  call<Res>(service: Service, method: string, request: object, options: CallOptions<Res>): Promise<Res> {
    let client: grpc.Client;
    try {
      client = this.client(service);
    } catch (err) {
      return Promise.reject(err);
    }
    const definition = loadConstructors()[service].service[method];
    if (definition === undefined) {
      return Promise.reject(
        new BerthError(ErrorCode.Internal, `CRI method ${method} is not in the loaded proto`),
      );
    }
    const decode = options.decode ?? (definition.responseDeserialize as (message: Buffer) => Res);
    const deadline = Date.now() + (options.timeoutMs ?? this.defaultTimeoutMs);
    return new Promise<Res>((resolve, reject) => {
      client.makeUnaryRequest(
        definition.path,
        definition.requestSerialize,
        decode,
        request,
        new grpc.Metadata(),
        { deadline },
        (err, response) => {
          if (err) {
            if (err.code === grpc.status.UNAVAILABLE && this.clients?.[service] === client) {
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
