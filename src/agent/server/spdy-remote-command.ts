/**
 * /exec and /attach over SPDY/3.1 for clients that do not speak WebSocket (kubelet:
 * cri/streaming/remotecommand/httpstream.go): kubectl up to 1.29, and later ones when the WebSocket
 * upgrade fails or KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false. The protocol is negotiated through
 * X-Stream-Protocol-Version (v4.channel.k8s.io, v3, v2: the first the client offers that the agent
 * speaks). After the upgrade the client opens one stream per channel, named by its streamType
 * header (error, stdin, stdout, stderr, and resize with a tty from v3); the session starts once
 * all the streams the query asks for are open. stdin ends when the client half-closes its stream;
 * resizes arrive as JSON TerminalSize objects back to back. The end of the session is written on
 * the error stream: from v4 the metav1.Status (with the exit code as a NonZeroExitCode cause), in
 * v2 and v3 the message of a failure only. v1 (channel.k8s.io, Kubernetes 1.0) has no resize stream,
 * and as the kubelet's v1 handler does, the agent resets the error stream and half-closes its side
 * of stdin as soon as all the streams are open: a v1 client learns nothing of how the command
 * ended. Loaded on the first such session.
 */
import type { IncomingMessage } from "node:http";
import { PassThrough, Writable } from "node:stream";
import type { Duplex } from "node:stream";
import {
  BerthError,
  ErrorCode,
  STREAM_PROTOCOL_V1,
  STREAM_PROTOCOL_V2,
  STREAM_PROTOCOL_V3,
  STREAM_PROTOCOL_V4,
  type Clock,
} from "../../common/index.js";
import { setNoDelay, SPDY_UPGRADE, SpdySession, type SpdyStream } from "./spdy-session.js";
import {
  exitStatus,
  failureStatus,
  JsonObjectSplitter,
  Resizes,
  type SessionRunner,
  type SessionStatus,
  type StreamRequest,
} from "./stream-request.js";

/** The protocols spoken over SPDY, newest first (kubelet: SupportedStreamingProtocols). */
export const SPDY_STREAM_PROTOCOLS: readonly string[] = [
  STREAM_PROTOCOL_V4,
  STREAM_PROTOCOL_V3,
  STREAM_PROTOCOL_V2,
  STREAM_PROTOCOL_V1,
];
/** kubelet: DefaultStreamCreationTimeout, how long the client has to open its streams. */
export const STREAM_CREATION_TIMEOUT_MS = 30_000;

type StreamType = "error" | "stdin" | "stdout" | "stderr" | "resize";

/** True when the request asks for a SPDY upgrade rather than WebSocket. */
export function isSpdyUpgrade(req: IncomingMessage): boolean {
  return String(req.headers.upgrade ?? "").toLowerCase() === SPDY_UPGRADE.toLowerCase();
}

/**
 * The protocol of the session (apimachinery: httpstream.Handshake): the first protocol the client
 * offers that the agent speaks. 400 when the client offers none, 403 when none matches.
 */
export function negotiateProtocol(req: IncomingMessage): string {
  const raw = req.headers["x-stream-protocol-version"];
  const offered = (Array.isArray(raw) ? raw : [raw ?? ""])
    .flatMap((v) => v.split(","))
    .map((p) => p.trim())
    .filter((p) => p !== "");
  if (offered.length === 0) {
    throw new BerthError(ErrorCode.BadRequest, "unable to upgrade: X-Stream-Protocol-Version is required");
  }
  const chosen = offered.find((p) => SPDY_STREAM_PROTOCOLS.includes(p));
  if (chosen === undefined) {
    throw new BerthError(
      ErrorCode.Forbidden,
      `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(" ")}], server accepts [${SPDY_STREAM_PROTOCOLS.join(" ")}]`,
    );
  }
  return chosen;
}

/** True for the protocols with a resize stream (kubelet: supportsTerminalResizing): v3 and later. */
function resizes(protocol: string): boolean {
  return protocol !== STREAM_PROTOCOL_V2 && protocol !== STREAM_PROTOCOL_V1;
}

/** The streams a session waits for (kubelet: expectedStreams): error, each asked-for stdio, resize with a tty from v3. */
export function expectedStreams(request: StreamRequest, protocol: string): StreamType[] {
  const types: StreamType[] = ["error"];
  if (request.stdin) types.push("stdin");
  if (request.stdout) types.push("stdout");
  if (request.stderr) types.push("stderr");
  if (request.tty && resizes(protocol)) types.push("resize");
  return types;
}

/** What the error stream carries at the end: the Status as JSON from v4, a failure's message before. */
export function statusPayload(status: SessionStatus, protocol: string): Buffer | undefined {
  if (protocol === STREAM_PROTOCOL_V4) return Buffer.from(JSON.stringify(status));
  return status.status === "Success" ? undefined : Buffer.from(status.message ?? "");
}

/** A Writable onto a stream: each chunk is one data frame, paced by the connection. */
class StreamWriter extends Writable {
  readonly #stream: SpdyStream;
  constructor(stream: SpdyStream) {
    super();
    this.#stream = stream;
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    if (this.#stream.write(chunk)) done();
    else this.#stream.onDrain(() => done());
  }
}

function flushed(w: Writable): Promise<void> {
  return new Promise((resolve) => {
    if (w.writableFinished || w.destroyed) return resolve();
    w.end(() => resolve());
  });
}

export interface SpdyRemoteCommandOptions {
  readonly request: StreamRequest;
  readonly run: SessionRunner;
  readonly onError: (err: unknown) => void;
  readonly clock: Clock;
}

/** Answers the upgrade and runs the session; throws (before answering) when negotiation fails. */
export function serveSpdyRemoteCommand(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  options: SpdyRemoteCommandOptions,
): void {
  const protocol = negotiateProtocol(req);
  socket.write(
    `HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: ${SPDY_UPGRADE}\r\nX-Stream-Protocol-Version: ${protocol}\r\n\r\n`,
  );
  setNoDelay(socket);
  new RemoteCommandSession(protocol, options).start(socket, head);
}

class RemoteCommandSession {
  readonly #protocol: string;
  readonly #o: SpdyRemoteCommandOptions;
  readonly #expected: StreamType[];
  readonly #streams = new Map<StreamType, SpdyStream>();
  readonly #controller = new AbortController();
  readonly #resizes = new Resizes();
  #session: SpdySession | undefined;
  #started = false;

  constructor(protocol: string, options: SpdyRemoteCommandOptions) {
    this.#protocol = protocol;
    this.#o = options;
    this.#expected = expectedStreams(options.request, protocol);
  }

  start(socket: Duplex, head: Buffer): void {
    const session = new SpdySession(socket, {
      onStream: (stream) => this.#open(stream),
      onClose: () => {
        this.#controller.abort();
        this.#resizes.end();
      },
      onProtocolError: (reason) =>
        this.#o.onError(new BerthError(ErrorCode.BadRequest, `SPDY protocol error: ${reason}`)),
    });
    this.#session = session;
    session.start(head);
    // kubelet: the client has streamCreationTimeout to open its streams.
    this.#o.clock.sleep(STREAM_CREATION_TIMEOUT_MS, this.#controller.signal).then(
      () => {
        if (this.#started) return;
        this.#o.onError(new BerthError(ErrorCode.Timeout, "timed out waiting for client to create streams"));
        session.close();
      },
      () => undefined,
    );
  }

  #open(stream: SpdyStream): boolean {
    const type = stream.header("streamType") as StreamType | undefined;
    // A stream of a type the session does not expect is accepted and left alone, as the kubelet does.
    if (type !== undefined && this.#expected.includes(type) && !this.#streams.has(type)) {
      this.#streams.set(type, stream);
      if (!this.#started && this.#streams.size === this.#expected.length) {
        this.#started = true;
        queueMicrotask(() => this.#run());
      }
    }
    return true;
  }

  #run(): void {
    const get = (t: StreamType) => this.#streams.get(t);
    const request = this.#o.request;
    const stdinStream = get("stdin");
    if (this.#protocol === STREAM_PROTOCOL_V1) {
      // kubelet v1ProtocolHandler: the error stream is reset once the streams are in, and the
      // server's side of stdin is closed; the client's stdin still flows.
      get("error")?.reset();
      stdinStream?.end();
    }
    const stdin = stdinStream !== undefined ? new PassThrough() : undefined;
    if (stdinStream !== undefined && stdin !== undefined) {
      stdin.on("drain", () => stdinStream.resumeInput());
      stdinStream.consume({ data: (chunk) => stdin.write(chunk), end: () => stdin.end() });
      stdinStream.onClose(() => stdin.end());
    }
    const resize = get("resize");
    if (resize !== undefined) {
      const splitter = new JsonObjectSplitter();
      resize.consume({
        data: (chunk) => {
          for (const text of splitter.push(chunk.toString("utf8"))) this.#resizes.pushJson(text);
        },
        end: () => this.#resizes.end(),
      });
    }
    const stdoutStream = get("stdout");
    const stderrStream = get("stderr");
    const stdout = stdoutStream !== undefined ? new StreamWriter(stdoutStream) : undefined;
    const stderr = stderrStream !== undefined ? new StreamWriter(stderrStream) : undefined;
    const signal = this.#controller.signal;
    this.#o
      .run({
        tty: request.tty,
        ...(stdin !== undefined ? { stdin } : {}),
        ...(stdout !== undefined ? { stdout } : {}),
        ...(stderr !== undefined ? { stderr } : {}),
        ...(request.tty && resize !== undefined ? { resize: this.#resizes } : {}),
        signal,
      })
      .then(
        (exitCode) => exitStatus(exitCode, request.command),
        (err: unknown) => {
          if (!signal.aborted) this.#o.onError(err);
          return failureStatus(err);
        },
      )
      .then(async (status) => {
        // Everything the command wrote goes out before the status that ends the session.
        await Promise.all([stdout, stderr].map((w) => (w !== undefined ? flushed(w) : undefined)));
        this.#resizes.end();
        stdoutStream?.end();
        stderrStream?.end();
        const error = get("error");
        const payload = statusPayload(status, this.#protocol);
        if (payload !== undefined) error?.end(payload);
        else error?.end();
        this.#session?.close();
      });
  }
}
