import WebSocket from "ws";
import { BerthError, ErrorCode, errorMessage } from "../../common/errors.js";
import { STREAM_PROTOCOL_V4, STREAM_PROTOCOL_V5 } from "../../common/stream-protocols.js";
import type { ExecStreamOptions, ExecStreamResult } from "../types.js";

/**
 * The client side of the kubelet remote-command protocol over WebSocket, as served by a CRI
 * runtime's streaming server at the URL that Exec returns. Every message is one binary frame:
 * a channel byte, then data. containerd 1.6 speaks v4.channel.k8s.io; v5 (Kubernetes 1.29+) adds
 * a close-stdin signal, offered first and used when the server accepts it.
 */

export const Channel = {
  stdin: 0,
  stdout: 1,
  stderr: 2,
  error: 3,
  resize: 4,
  /** v5 only: payload is the channel to close. */
  close: 255,
} as const;

/** metav1.Status as the error channel carries it. */
interface StreamStatus {
  status?: string;
  message?: string;
  reason?: string;
  details?: { causes?: { reason?: string; message?: string }[] };
}

/** The exit code of a finished exec from the status on the error channel (kubelet: NonZeroExitCode). */
export function exitCodeFromStatus(raw: string): number {
  let status: StreamStatus;
  try {
    status = JSON.parse(raw) as StreamStatus;
  } catch (err) {
    throw new BerthError(
      ErrorCode.Internal,
      `exec stream: unreadable status ${JSON.stringify(raw.slice(0, 200))}`,
      {
        cause: err,
      },
    );
  }
  if (status.status === "Success") return 0;
  if (status.reason === "NonZeroExitCode") {
    const cause = status.details?.causes?.find((c) => c.reason === "ExitCode");
    const code = Number(cause?.message);
    if (Number.isInteger(code)) return code;
  }
  throw new BerthError(ErrorCode.Internal, `exec stream failed: ${status.message ?? raw}`);
}

export function frame(channel: number, data: Buffer | string): Buffer {
  const payload = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  return Buffer.concat([Buffer.from([channel]), payload]);
}

function write(stream: NodeJS.WritableStream | undefined, data: Buffer): void {
  if (stream && data.length > 0) stream.write(data);
}

/** Runs one exec session against a streaming-server URL and resolves with the exit code. */
export function runExecStream(url: string, options: ExecStreamOptions): Promise<ExecStreamResult> {
  const wsUrl = url.replace(/^http/, "ws");
  return new Promise<ExecStreamResult>((resolve, reject) => {
    const ws = new WebSocket(wsUrl, [STREAM_PROTOCOL_V5, STREAM_PROTOCOL_V4]);
    let statusText: string | undefined;
    let settled = false;
    const finish = (err: unknown, result?: ExecStreamResult): void => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener("abort", onAbort);
      options.stdin?.removeListener("data", onStdin);
      options.stdin?.removeListener("end", onStdinEnd);
      if (err) reject(err);
      else resolve(result as ExecStreamResult);
    };
    const onAbort = (): void => {
      ws.terminate();
      finish(
        new BerthError(ErrorCode.DeadlineExceeded, "exec stream aborted", { cause: options.signal?.reason }),
      );
    };
    const onStdin = (chunk: Buffer | string): void => {
      if (ws.readyState === WebSocket.OPEN) ws.send(frame(Channel.stdin, Buffer.from(chunk)));
    };
    const onStdinEnd = (): void => {
      // v4 cannot half-close stdin; only v5 can tell the process its input ended.
      if (ws.readyState === WebSocket.OPEN && ws.protocol === STREAM_PROTOCOL_V5) {
        ws.send(Buffer.from([Channel.close, Channel.stdin]));
      }
    };
    if (options.signal?.aborted) {
      onAbort();
      return;
    }
    options.signal?.addEventListener("abort", onAbort, { once: true });

    ws.on("open", () => {
      options.stdin?.on("data", onStdin);
      options.stdin?.on("end", onStdinEnd);
      if (options.tty && options.resize) {
        void (async () => {
          try {
            for await (const size of options.resize ?? []) {
              if (ws.readyState !== WebSocket.OPEN) break;
              ws.send(frame(Channel.resize, JSON.stringify({ Width: size.width, Height: size.height })));
            }
          } catch {
            // a failing resize source does not end the session
          }
        })();
      }
    });
    ws.on("message", (data: Buffer, isBinary: boolean) => {
      const message = isBinary ? data : Buffer.from(data);
      if (message.length === 0) return;
      const channel = message[0];
      const payload = message.subarray(1);
      if (channel === Channel.stdout) write(options.stdout, payload);
      else if (channel === Channel.stderr) write(options.stderr, payload);
      else if (channel === Channel.error) statusText = (statusText ?? "") + payload.toString("utf8");
    });
    ws.on("unexpected-response", (_req, res) => {
      finish(
        new BerthError(ErrorCode.Internal, `exec stream: streaming server answered HTTP ${res.statusCode}`, {
          details: { url },
        }),
      );
      ws.terminate();
    });
    ws.on("error", (err) => {
      finish(
        new BerthError(ErrorCode.RuntimeUnavailable, `exec stream: ${errorMessage(err)}`, { cause: err }),
      );
    });
    ws.on("close", () => {
      if (statusText === undefined) {
        finish(new BerthError(ErrorCode.Internal, "exec stream closed without an exit status"));
        return;
      }
      try {
        finish(undefined, { exitCode: exitCodeFromStatus(statusText) });
      } catch (err) {
        finish(err);
      }
    });
  });
}
