/**
 * grpc (probe/grpc): grpc.health.v1.Health/Check over plaintext HTTP/2 (h2c) to host:port with
 * the probe's service name; SERVING is a success, any other status or RPC error a failure, worded
 * as the kubelet words it. The request and response are encoded here (one string field in, one
 * enum field out), so no gRPC library is needed.
 */
import { connect, constants, type ClientHttp2Session } from "node:http2";
import { Reader, WIRE_LENGTH, WIRE_VARINT, Writer } from "../../common/protobuf-wire.js";
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

/** HealthCheckRequest.service and HealthCheckResponse.status, grpc/health/v1/health.proto. */
const SERVICE_FIELD = 1;
const STATUS_FIELD = 1;

/** A length-prefixed gRPC message holding HealthCheckRequest{service}. */
export function encodeHealthCheckRequest(service: string): Buffer {
  const w = new Writer(32);
  w.pos = 5; // the gRPC prefix: not compressed, then the message's length
  if (service !== "") {
    w.tag(SERVICE_FIELD, WIRE_LENGTH);
    w.string(service);
  }
  const framed = Buffer.from(w.finish());
  framed.writeUInt8(0, 0);
  framed.writeUInt32BE(framed.length - 5, 1);
  return framed;
}

/** The status field of the first length-prefixed HealthCheckResponse in `data` (0 when absent). */
export function decodeHealthCheckResponse(data: Buffer): number {
  if (data.length < 5) throw new Error("short gRPC message");
  const end = 5 + data.readUInt32BE(1);
  if (end > data.length) throw new Error("gRPC message cut short");
  const r = new Reader(data, "HealthCheckResponse");
  r.pos = 5;
  let status = 0;
  while (r.pos < end) {
    const tag = r.varint(end);
    if (tag >>> 3 === STATUS_FIELD && (tag & 7) === WIRE_VARINT) status = r.varint32(end);
    else r.skip(tag & 7, end);
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
