/**
 * The server side of the remote-command WebSocket protocols (kubelet: cri/streaming/remotecommand
 * with wsstream): v5.channel.k8s.io and v4.channel.k8s.io. Every binary message starts with its
 * channel: 0 stdin, 1 stdout, 2 stderr, 3 the final metav1.Status, 4 terminal resizes as
 * {"Width","Height"}; v5 adds 255 [channel] to close stdin. Loaded on the first exec or attach:
 * it pulls in ws.
 */
import type { IncomingMessage } from "node:http";
import { PassThrough, Writable } from "node:stream";
import type { Duplex } from "node:stream";
import { WebSocketServer, WebSocket, type RawData } from "ws";
import { STREAM_PROTOCOL_V4, STREAM_PROTOCOL_V5 } from "../../common/index.js";
import { IdleTimer } from "./idle-timeout.js";
import {
  exitStatus,
  failureStatus,
  Resizes,
  type SessionRunner,
  type SessionStatus,
  type StreamRequest,
} from "./stream-request.js";

export { STREAM_PROTOCOL_V4, STREAM_PROTOCOL_V5 } from "../../common/index.js";
/** Bytes queued on the socket before a writer waits for them to go out. */
const SEND_HIGH_WATER = 1024 * 1024;
const CHANNEL = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;

const wss = new WebSocketServer({
  noServer: true,
  perMessageDeflate: false,
  handleProtocols: (offered) =>
    offered.has(STREAM_PROTOCOL_V5)
      ? STREAM_PROTOCOL_V5
      : offered.has(STREAM_PROTOCOL_V4)
        ? STREAM_PROTOCOL_V4
        : false,
});

/** True when the request offers a protocol this server speaks. */
export function offersChannelProtocol(req: IncomingMessage): boolean {
  const offered = String(req.headers["sec-websocket-protocol"] ?? "")
    .split(",")
    .map((p) => p.trim());
  return offered.includes(STREAM_PROTOCOL_V5) || offered.includes(STREAM_PROTOCOL_V4);
}

class ChannelWriter extends Writable {
  constructor(
    private readonly ws: WebSocket,
    private readonly channel: number,
    private readonly idle: IdleTimer,
  ) {
    super();
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    if (this.ws.readyState !== WebSocket.OPEN) return done();
    this.idle.touch();
    // Frames are queued in order at once; the writer waits only while much is still unsent.
    const frame = Buffer.concat([Buffer.from([this.channel]), chunk]);
    if (this.ws.bufferedAmount + frame.length <= SEND_HIGH_WATER) {
      this.ws.send(frame, { binary: true });
      done();
    } else {
      this.ws.send(frame, { binary: true }, () => done());
    }
  }
}

export function serveRemoteCommand(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  request: StreamRequest,
  run: SessionRunner,
  onError: (err: unknown) => void,
  idle: { readonly ms: number; readonly onIdle: () => void },
): void {
  wss.handleUpgrade(req, socket, head, (ws) => {
    const controller = new AbortController();
    const stdin = request.stdin ? new PassThrough() : undefined;
    const resizes = new Resizes();
    // Data messages either way keep the session; kubectl's pings do not (streamingConnectionIdleTimeout).
    const idleTimer = new IdleTimer(idle.ms, () => {
      idle.onIdle();
      ws.terminate();
    });
    ws.on("message", (data: RawData) => {
      idleTimer.touch();
      const message = Buffer.isBuffer(data) ? data : Buffer.concat(data as Buffer[]);
      if (message.length === 0) return;
      const channel = message[0];
      const payload = message.subarray(1);
      if (channel === CHANNEL.stdin) stdin?.write(payload);
      else if (channel === CHANNEL.close && payload[0] === CHANNEL.stdin) stdin?.end();
      else if (channel === CHANNEL.resize) resizes.pushJson(payload.toString("utf8"));
    });
    ws.on("close", () => {
      idleTimer.stop();
      controller.abort();
      stdin?.end();
      resizes.end();
    });
    ws.on("error", () => controller.abort());
    run({
      tty: request.tty,
      ...(stdin !== undefined ? { stdin } : {}),
      ...(request.stdout ? { stdout: new ChannelWriter(ws, CHANNEL.stdout, idleTimer) } : {}),
      ...(request.stderr ? { stderr: new ChannelWriter(ws, CHANNEL.stderr, idleTimer) } : {}),
      ...(request.tty ? { resize: resizes } : {}),
      signal: controller.signal,
    }).then(
      (exitCode) => finish(exitStatus(exitCode, request.command)),
      (err: unknown) => {
        if (!controller.signal.aborted) onError(err);
        finish(failureStatus(err));
      },
    );
    function finish(status: SessionStatus): void {
      resizes.end();
      if (ws.readyState !== WebSocket.OPEN) return;
      ws.send(
        Buffer.concat([Buffer.from([CHANNEL.error]), Buffer.from(JSON.stringify(status))]),
        { binary: true },
        () => ws.close(1000),
      );
    }
  });
}
