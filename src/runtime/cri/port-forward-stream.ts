import { Duplex } from "node:stream";
import WebSocket from "ws";
import { BerthError, ErrorCode, errorMessage } from "../../common/errors.js";
import { PORT_FORWARD_WS_PROTOCOL_V4 } from "../../common/stream-protocols.js";

/**
 * The client side of the port-forward WebSocket protocol of a CRI streaming server (kubelet:
 * cri/streaming/portforward/websocket.go), one connection per session: `?port=P`, then binary
 * messages on channel 0 (data) and 1 (errors); the first message of each channel is the port as
 * two little-endian bytes. Returns the connection as a byte stream.
 */
const DATA = 0;
const ERROR = 1;

export function openPortForwardStream(url: string, port: number, signal?: AbortSignal): Promise<Duplex> {
  const target = new URL(url.replace(/^http/, "ws"));
  target.searchParams.set("port", String(port));
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(target, [PORT_FORWARD_WS_PROTOCOL_V4], { perMessageDeflate: false });
    const seenPrefix = new Set<number>();
    let errorText = "";
    const stream = new Duplex({
      write(chunk: Buffer, _enc, done) {
        if (ws.readyState !== WebSocket.OPEN)
          return done(new BerthError(ErrorCode.RuntimeUnavailable, "port-forward stream closed"));
        ws.send(Buffer.concat([Buffer.from([DATA]), chunk]), { binary: true }, (err) => done(err ?? null));
      },
      final(done) {
        // The protocol cannot half-close: the remote side ends the connection.
        done();
      },
      read() {
        ws.resume?.();
      },
      destroy(err, done) {
        ws.terminate();
        done(err);
      },
    });
    const onAbort = () => stream.destroy(new BerthError(ErrorCode.DeadlineExceeded, "port-forward aborted"));
    signal?.addEventListener("abort", onAbort, { once: true });
    ws.on("open", () => resolve(stream));
    ws.on("message", (data: Buffer) => {
      if (data.length === 0) return;
      const channel = data[0] ?? -1;
      let payload = data.subarray(1);
      if (!seenPrefix.has(channel)) {
        seenPrefix.add(channel);
        payload = payload.subarray(2);
      }
      if (channel === DATA && payload.length > 0) stream.push(payload);
      else if (channel === ERROR) errorText += payload.toString("utf8");
    });
    ws.on("unexpected-response", (_req, res) => {
      reject(
        new BerthError(
          ErrorCode.RuntimeUnavailable,
          `port-forward: the streaming server answered HTTP ${res.statusCode ?? 0}`,
        ),
      );
      ws.terminate();
    });
    ws.on("error", (err) => {
      reject(
        new BerthError(ErrorCode.RuntimeUnavailable, `port-forward: ${errorMessage(err)}`, { cause: err }),
      );
      stream.destroy(err);
    });
    ws.on("close", () => {
      signal?.removeEventListener("abort", onAbort);
      if (errorText !== "") stream.destroy(new BerthError(ErrorCode.RuntimeUnavailable, errorText));
      else stream.push(null);
    });
  });
}
