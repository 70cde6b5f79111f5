import type { Socket } from "node:net";
import { BerthError, ErrorCode, errorMessage } from "../../common/errors.js";
import type { ExecStreamOptions, ExecStreamResult } from "../types.js";
import { STREAM_PROTOCOL_V4 } from "../../common/stream-protocols.js";
import { exitCodeFromStatus } from "./exec-stream.js";
import {
  dataFrame,
  FLAG_FIN,
  FrameParser,
  FrameType,
  HeaderCompressor,
  synStreamFrame,
  controlFrame,
} from "../../common/spdy-framing.js";

/**
 * The client side of the kubelet remote-command protocol over SPDY/3.1, as kubectl speaks it to
 * a CRI streaming server. Unlike WebSocket v4, SPDY can half-close one stream, so a command
 * reading stdin sees its end. After an HTTP upgrade the client opens one SPDY stream per
 * channel, named by its `streamType` header; the server answers the exit status as a JSON
 * Status on the error stream and closes the connection.
 */
export const SPDY_UPGRADE = "SPDY/3.1";

type StreamType = "error" | "stdin" | "stdout" | "stderr" | "resize";

/** The streams a session opens, matching what ExecRequest asked for (tty merges stderr). */
export function sessionStreams(tty: boolean, stdin: boolean): StreamType[] {
  const streams: StreamType[] = ["error"];
  if (stdin) streams.push("stdin");
  streams.push("stdout");
  if (tty) streams.push("resize");
  else streams.push("stderr");
  return streams;
}

function upgrade(url: string, signal?: AbortSignal): Promise<{ socket: Socket; head: Buffer }> {
  return new Promise((resolve, reject) => {
    // getBuiltinModule, not an ESM import: see HttpTransport in src/api/http-transport.ts.
    const req = process.getBuiltinModule("node:http").request(url, {
      method: "POST",
      headers: {
        Connection: "Upgrade",
        Upgrade: SPDY_UPGRADE,
        "X-Stream-Protocol-Version": STREAM_PROTOCOL_V4,
        "Content-Length": "0",
      },
      signal,
    });
    req.on("upgrade", (res, socket, head) => {
      const chosen = res.headers["x-stream-protocol-version"];
      if (chosen !== STREAM_PROTOCOL_V4) {
        socket.destroy();
        reject(
          new BerthError(
            ErrorCode.Unsupported,
            `exec stream: the streaming server does not speak ${STREAM_PROTOCOL_V4} over SPDY (chose ${String(chosen)})`,
          ),
        );
        return;
      }
      resolve({ socket, head });
    });
    req.on("response", (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () =>
        reject(
          new BerthError(
            ErrorCode.Internal,
            `exec stream: streaming server answered HTTP ${res.statusCode}: ${body.trim()}`,
          ),
        ),
      );
    });
    req.on("error", (err) => {
      if (signal?.aborted) {
        reject(new BerthError(ErrorCode.DeadlineExceeded, "exec stream aborted", { cause: signal.reason }));
      } else {
        reject(
          new BerthError(ErrorCode.RuntimeUnavailable, `exec stream: ${errorMessage(err)}`, { cause: err }),
        );
      }
    });
    req.end();
  });
}

/** Runs one exec session over SPDY against a streaming-server URL; resolves with the exit code. */
export async function runExecSpdy(url: string, options: ExecStreamOptions): Promise<ExecStreamResult> {
  const { socket, head } = await upgrade(url, options.signal);
  const compressor = new HeaderCompressor();
  const ids = new Map<StreamType, number>();
  const types = new Map<number, StreamType>();
  let nextId = 1;
  for (const type of sessionStreams(options.tty, options.stdin !== undefined)) {
    ids.set(type, nextId);
    types.set(nextId, type);
    nextId += 2; // client-initiated streams are odd
  }

  return new Promise<ExecStreamResult>((resolve, reject) => {
    let status = "";
    let settled = false;
    const parser = new FrameParser();
    const send = (frame: Buffer): void => {
      if (!socket.destroyed) socket.write(frame);
    };
    const onStdin = (chunk: Buffer | string): void =>
      send(dataFrame(ids.get("stdin") ?? 0, 0, Buffer.from(chunk)));
    const onStdinEnd = (): void => send(dataFrame(ids.get("stdin") ?? 0, FLAG_FIN, Buffer.alloc(0)));
    const finish = (err: unknown, result?: ExecStreamResult): void => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener("abort", onAbort);
      options.stdin?.removeListener("data", onStdin);
      options.stdin?.removeListener("end", onStdinEnd);
      compressor.close();
      socket.destroy();
      if (err) reject(err);
      else resolve(result as ExecStreamResult);
    };
    const onAbort = (): void =>
      finish(
        new BerthError(ErrorCode.DeadlineExceeded, "exec stream aborted", { cause: options.signal?.reason }),
      );
    if (options.signal?.aborted) {
      onAbort();
      return;
    }
    options.signal?.addEventListener("abort", onAbort, { once: true });

    const onData = (chunk: Buffer): void => {
      for (const frame of parser.push(chunk)) {
        if (!frame.control) {
          const type = types.get(frame.streamId);
          if (type === "stdout" && frame.payload.length) options.stdout?.write(frame.payload);
          else if (type === "stderr" && frame.payload.length) options.stderr?.write(frame.payload);
          else if (type === "error") status += frame.payload.toString("utf8");
        } else if (frame.type === FrameType.ping) {
          send(controlFrame(FrameType.ping, 0, frame.payload));
        }
        // SYN_REPLY, SETTINGS, WINDOW_UPDATE, RST_STREAM and GOAWAY need no answer here.
      }
    };
    socket.on("data", onData);
    socket.on("error", (err) =>
      finish(
        new BerthError(ErrorCode.RuntimeUnavailable, `exec stream: ${errorMessage(err)}`, { cause: err }),
      ),
    );
    socket.on("close", () => {
      if (!status) {
        finish(new BerthError(ErrorCode.Internal, "exec stream closed without an exit status"));
        return;
      }
      try {
        finish(undefined, { exitCode: exitCodeFromStatus(status) });
      } catch (err) {
        finish(err);
      }
    });
    if (head.length) onData(head);

    void (async () => {
      try {
        // Streams are opened in order; the server starts the command once all have arrived.
        for (const [type, id] of ids) send(await synStreamFrame(compressor, id, { streamType: type }));
        options.stdin?.on("data", onStdin);
        options.stdin?.on("end", onStdinEnd);
        const resizeId = ids.get("resize");
        if (resizeId !== undefined && options.resize) {
          for await (const size of options.resize) {
            if (settled) break;
            send(
              dataFrame(resizeId, 0, Buffer.from(JSON.stringify({ Width: size.width, Height: size.height }))),
            );
          }
        }
      } catch (err) {
        finish(new BerthError(ErrorCode.Internal, `exec stream: ${errorMessage(err)}`, { cause: err }));
      }
    })();
  });
}
