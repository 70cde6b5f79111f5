/**
 * grpc (probe/grpc): grpc.health.v1.Health/Check over plaintext HTTP/2 (h2c) to host:port with
 * the probe's service name; SERVING is a success, any other status or RPC error a failure, worded
 * as the kubelet words it. The request and response are encoded here (one string field in, one
 * enum field out), so no gRPC library is needed.
 */
import { connect, constants, type ClientHttp2Session } from "node:http2";
import { dialErrorText } from "./dial-error.js";
import { joinHostPort } from "./handler.js";
import { failure, success, type ProbeOutcome } from "./outcome.js";

export const HEALTH_CHECK_PATH = "/grpc.health.v1.Health/Check";

/** grpc.health.v1.HealthCheckResponse.ServingStatus. */
export const SERVING_STATUS = ["UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"] as const;

/** google.golang.org/grpc/codes, by number, as status.Code().String() prints them. */
const GRPC_CODES = [
  "OK",
  "Canceled",
  "Unknown",
  "InvalidArgument",
  "DeadlineExceeded",
  "NotFound",
  "AlreadyExists",
  "PermissionDenied",
  "ResourceExhausted",
  "FailedPrecondition",
  "Aborted",
  "OutOfRange",
  "Unimplemented",
  "Internal",
  "Unavailable",
  "DataLoss",
  "Unauthenticated",
] as const;
const GRPC_UNIMPLEMENTED = 12;
const GRPC_DEADLINE_EXCEEDED = 4;

function varint(n: number): Buffer {
  const bytes: number[] = [];
  let v = n;
  while (v > 0x7f) {
    bytes.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  bytes.push(v);
  return Buffer.from(bytes);
}

/** A length-prefixed gRPC message holding HealthCheckRequest{service}. */
export function encodeHealthCheckRequest(service: string): Buffer {
  const name = Buffer.from(service, "utf8");
  const message =
    name.length === 0 ? Buffer.alloc(0) : Buffer.concat([Buffer.from([0x0a]), varint(name.length), name]);
  const prefix = Buffer.alloc(5);
  prefix.writeUInt8(0, 0);
  prefix.writeUInt32BE(message.length, 1);
  return Buffer.concat([prefix, message]);
}

function readVarint(buf: Buffer, at: number): { value: number; next: number } {
  let value = 0;
  let shift = 0;
  let i = at;
  for (; i < buf.length; i++) {
    const byte = buf[i] ?? 0;
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if ((byte & 0x80) === 0) return { value, next: i + 1 };
  }
  throw new Error("truncated varint");
}

/** The status field of the first length-prefixed HealthCheckResponse in `data` (0 when absent). */
export function decodeHealthCheckResponse(data: Buffer): number {
  if (data.length < 5) throw new Error("short gRPC message");
  const length = data.readUInt32BE(1);
  const message = data.subarray(5, 5 + length);
  let status = 0;
  for (let at = 0; at < message.length;) {
    const key = readVarint(message, at);
    const field = Math.floor(key.value / 8);
    const wire = key.value & 7;
    if (wire === 0) {
      const v = readVarint(message, key.next);
      if (field === 1) status = v.value;
      at = v.next;
    } else if (wire === 2) {
      const len = readVarint(message, key.next);
      at = len.next + len.value;
    } else if (wire === 5) {
      at = key.next + 4;
    } else if (wire === 1) {
      at = key.next + 8;
    } else {
      throw new Error(`unexpected wire type ${wire}`);
    }
  }
  return status;
}

interface RpcAnswer {
  readonly grpcStatus: number;
  readonly grpcMessage: string;
  readonly body: Buffer;
}

function call(session: ClientHttp2Session, service: string, userAgent: string): Promise<RpcAnswer> {
  return new Promise((resolve, reject) => {
    const stream = session.request({
      [constants.HTTP2_HEADER_METHOD]: "POST",
      [constants.HTTP2_HEADER_PATH]: HEALTH_CHECK_PATH,
      [constants.HTTP2_HEADER_CONTENT_TYPE]: "application/grpc",
      [constants.HTTP2_HEADER_TE]: "trailers",
      [constants.HTTP2_HEADER_USER_AGENT]: userAgent,
    });
    const chunks: Buffer[] = [];
    let headerStatus: string | undefined;
    let headerMessage: string | undefined;
    let trailerStatus: string | undefined;
    let trailerMessage: string | undefined;
    stream.on("response", (headers) => {
      const s = headers["grpc-status"];
      if (s !== undefined) headerStatus = String(s);
      const m = headers["grpc-message"];
      if (m !== undefined) headerMessage = String(m);
    });
    stream.on("trailers", (trailers) => {
      const s = trailers["grpc-status"];
      if (s !== undefined) trailerStatus = String(s);
      const m = trailers["grpc-message"];
      if (m !== undefined) trailerMessage = String(m);
    });
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.once("error", reject);
    stream.once("end", () => {
      const raw = trailerStatus ?? headerStatus;
      if (raw === undefined) {
        reject(new Error("server closed the stream without sending trailers"));
        return;
      }
      resolve({
        grpcStatus: Number.parseInt(raw, 10),
        grpcMessage: decodeURIComponent(trailerMessage ?? headerMessage ?? ""),
        body: Buffer.concat(chunks),
      });
    });
    stream.end(encodeHealthCheckRequest(service));
  });
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

export function runGrpcProbe(
  host: string,
  port: number,
  service: string,
  timeoutMs: number,
  userAgent: string,
  signal?: AbortSignal,
): Promise<ProbeOutcome> {
  const addr = joinHostPort(host, port);
  return new Promise((resolve) => {
    let connected = false;
    let settled = false;
    const session = connect(`http://${addr}`);
    const finish = (outcome: ProbeOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", cancel);
      session.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => {
      finish(
        failure(
          connected
            ? `timeout: health rpc did not complete within ${formatSeconds(timeoutMs)}`
            : `timeout: failed to connect service ${JSON.stringify(addr)} within ${formatSeconds(timeoutMs)}: context deadline exceeded`,
        ),
      );
    }, timeoutMs);
    const cancel = (): void => finish(failure("error: health rpc probe failed: context canceled"));
    if (signal?.aborted) cancel();
    else signal?.addEventListener("abort", cancel, { once: true });
    session.once("connect", () => {
      connected = true;
    });
    session.once("error", (err) => {
      finish(
        failure(
          connected
            ? `error: health rpc probe failed: ${err.message}`
            : `error: failed to connect service at ${JSON.stringify(addr)}: ${dialErrorText(err, addr)}`,
        ),
      );
    });
    call(session, service, userAgent).then(
      (answer) => {
        if (answer.grpcStatus !== 0) {
          const code = GRPC_CODES[answer.grpcStatus] ?? `Code(${answer.grpcStatus})`;
          if (answer.grpcStatus === GRPC_UNIMPLEMENTED) {
            finish(
              failure(
                `error: this server does not implement the grpc health protocol (grpc.health.v1.Health): ${answer.grpcMessage}`,
              ),
            );
          } else if (answer.grpcStatus === GRPC_DEADLINE_EXCEEDED) {
            finish(failure(`timeout: health rpc did not complete within ${formatSeconds(timeoutMs)}`));
          } else {
            finish(
              failure(
                `error: health rpc probe failed: rpc error: code = ${code} desc = ${answer.grpcMessage}`,
              ),
            );
          }
          return;
        }
        let status: number;
        try {
          status = decodeHealthCheckResponse(answer.body);
        } catch (err) {
          finish(
            failure(`error: health rpc probe failed: ${err instanceof Error ? err.message : String(err)}`),
          );
          return;
        }
        if (status !== 1) {
          const name = SERVING_STATUS[status] ?? String(status);
          finish(failure(`service unhealthy (responded with ${JSON.stringify(name)})`));
          return;
        }
        finish(success("service healthy"));
      },
      (err: unknown) => {
        const text = err instanceof Error ? err.message : String(err);
        finish(
          failure(
            connected
              ? `error: health rpc probe failed: ${text}`
              : `error: failed to connect service at ${JSON.stringify(addr)}: ${dialErrorText(err, addr)}`,
          ),
        );
      },
    );
  });
}
