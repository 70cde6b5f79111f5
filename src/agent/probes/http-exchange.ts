/**
 * One HTTP/1.1 GET on a connection of its own, written and read here rather than by node:http's
 * client. A probe needs a request line, a few headers, the status, the Location and a capped body;
 * node:http's ClientRequest, IncomingMessage and parser objects cost the agent about 40% more CPU
 * per probe under --jitless (docs/agent.md "Probes", bench/agent/probes.ts), and a node runs
 * hundreds of probes a second at periodSeconds 1. The response is read as Go's client reads it:
 * 1xx answers skipped, the body by Content-Length, chunked, or to the end of the connection, the
 * whole exchange within the deadline. Errors carry Go's wording.
 */
import type { Socket } from "node:net";
import type { SecureContext, TLSSocket } from "node:tls";
import { dialErrorText } from "./dial-error.js";
import { joinHostPort } from "./handler.js";

export interface HttpExchange {
  readonly status: number;
  readonly location: string | undefined;
  /** At most maxBody bytes of the body, chunked transfer decoded. */
  readonly body: Buffer;
}

export interface HttpExchangeRequest {
  readonly url: URL;
  /** Header lines in order (name, value); a "host" line replaces the URL's host. */
  readonly headers: readonly (readonly [string, string])[];
  /** Milliseconds of the clock Date.now() reads. */
  readonly deadline: number;
  readonly maxBody: number;
  /** Ends the exchange at once, its connection closed (the probe is no longer wanted). */
  readonly signal?: AbortSignal | undefined;
}

/** The failure of an exchange, worded as Go's http.Client words it (without `Get "URL": `). */
export class HttpExchangeError extends Error {}

/** Response headers beyond this are refused, as node:http's parser refused them (16 KiB). */
const MAX_HEADER_BYTES = 16 * 1024;
const HEADER_END = Buffer.from("\r\n\r\n");
const CRLF = Buffer.from("\r\n");
/** Go's wording for a request whose context was canceled. */
const CANCELED = "context canceled";

type BodyMode = { kind: "length"; left: number } | { kind: "chunked" } | { kind: "close" } | { kind: "none" };

export function httpExchange(req: HttpExchangeRequest): Promise<HttpExchange> {
  const { url } = req;
  const tls = url.protocol === "https:";
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const port = url.port === "" ? (tls ? 443 : 80) : Number(url.port);
  const addr = joinHostPort(host, port);
  return new Promise((resolve, reject) => {
    const socket = connect(tls, host, port, (chunk) => received(chunk));
    let buffered: Buffer = Buffer.alloc(0);
    let status = 0;
    let location: string | undefined;
    let mode: BodyMode | undefined;
    const body: Buffer[] = [];
    let bodySize = 0;
    let settled = false;

    const finish = (err?: HttpExchangeError): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.signal?.removeEventListener("abort", cancel);
      socket.destroy();
      if (err !== undefined) reject(err);
      else resolve({ status, location, body: Buffer.concat(body).subarray(0, req.maxBody) });
    };
    const timer = setTimeout(
      () =>
        finish(
          new HttpExchangeError(
            mode === undefined
              ? "context deadline exceeded (Client.Timeout exceeded while awaiting headers)"
              : "context deadline exceeded (Client.Timeout or context cancellation while reading body)",
          ),
        ),
      Math.max(0, req.deadline - Date.now()),
    );
    const cancel = (): void => finish(new HttpExchangeError(CANCELED));
    if (req.signal?.aborted) cancel();
    else req.signal?.addEventListener("abort", cancel, { once: true });
    const keep = (chunk: Buffer): void => {
      const room = req.maxBody - bodySize;
      if (room <= 0) return;
      const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
      body.push(part);
      bodySize += part.length;
    };
    /** Reads the body from `buffered`; true when the body is complete or the cap is reached. */
    const readBody = (): boolean => {
      if (mode === undefined || mode.kind === "none") return true;
      if (mode.kind === "close") {
        keep(buffered);
        buffered = Buffer.alloc(0);
        return bodySize >= req.maxBody;
      }
      if (mode.kind === "length") {
        const part = buffered.subarray(0, mode.left);
        keep(part);
        mode.left -= part.length;
        buffered = buffered.subarray(part.length);
        return mode.left === 0 || bodySize >= req.maxBody;
      }
      // chunked: size line, data, CRLF; a zero size ends the body (trailers are not read).
      for (;;) {
        const eol = buffered.indexOf(CRLF);
        if (eol < 0) return false;
        const size = Number.parseInt(buffered.subarray(0, eol).toString("latin1"), 16);
        if (!Number.isFinite(size) || size < 0) throw new HttpExchangeError("malformed chunked encoding");
        if (size === 0) return true;
        if (buffered.length < eol + 2 + size + 2) return bodySize >= req.maxBody;
        keep(buffered.subarray(eol + 2, eol + 2 + size));
        buffered = buffered.subarray(eol + 2 + size + 2);
        if (bodySize >= req.maxBody) return true;
      }
    };
    /** Parses header blocks from `buffered`; false while the final block is incomplete. */
    const readHead = (): boolean => {
      for (;;) {
        const end = buffered.indexOf(HEADER_END);
        if (end < 0) {
          if (buffered.length > MAX_HEADER_BYTES) {
            throw new HttpExchangeError(
              `net/http: server response headers exceeded ${MAX_HEADER_BYTES} bytes; aborted`,
            );
          }
          return false;
        }
        const lines = buffered.subarray(0, end).toString("latin1").split("\r\n");
        buffered = buffered.subarray(end + HEADER_END.length);
        const statusLine = lines[0] ?? "";
        const m = /^HTTP\/\d\.\d (\d{3})(?: |$)/.exec(statusLine);
        if (m === null) throw new HttpExchangeError(`malformed HTTP response ${JSON.stringify(statusLine)}`);
        const code = Number(m[1]);
        // 1xx answers come before the real one (Go's client skips them, 101 aside).
        if (code >= 100 && code < 200 && code !== 101) continue;
        status = code;
        let length: number | undefined;
        let chunked = false;
        for (let i = 1; i < lines.length; i++) {
          const line = lines[i] ?? "";
          const colon = line.indexOf(":");
          if (colon <= 0) continue;
          const name = line.slice(0, colon).trim().toLowerCase();
          const value = line.slice(colon + 1).trim();
          if (name === "location") location ??= value;
          else if (name === "content-length") length = Number(value);
          else if (name === "transfer-encoding") chunked = value.toLowerCase().includes("chunked");
        }
        if (code === 204 || code === 304 || code < 200) mode = { kind: "none" };
        else if (chunked) mode = { kind: "chunked" };
        else if (length !== undefined && Number.isFinite(length) && length >= 0)
          mode = { kind: "length", left: length };
        else mode = { kind: "close" };
        return true;
      }
    };

    socket.once(tls ? "secureConnect" : "connect", () => {
      // Written, not ended: Go's client keeps its side open until the answer is read.
      socket.write(requestText(req));
    });
    const received = (chunk: Buffer): void => {
      if (settled) return;
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      try {
        if (mode === undefined && !readHead()) return;
        if (readBody()) finish();
      } catch (err) {
        finish(err instanceof HttpExchangeError ? err : new HttpExchangeError(String(err)));
      }
    };
    socket.once("end", () => {
      // The server closed: the end of a body read to the connection's end, else too early.
      if (mode !== undefined && (mode.kind === "close" || mode.kind === "none")) finish();
      else if (mode === undefined) finish(new HttpExchangeError("EOF"));
      else finish(new HttpExchangeError("unexpected EOF"));
    });
    socket.once("error", (err) => finish(new HttpExchangeError(dialErrorText(err, addr))));
  });
}

/**
 * Plain-HTTP answers are read into this one buffer (net's onread) and copied out at once: without
 * it every read of every probe allocates a 64 KiB buffer of its own, hundreds a second at
 * periodSeconds 1 (docs/agent.md "Memory"). The copy of an answer of a few hundred bytes comes from
 * Node's small-buffer pool.
 */
const READ_BUFFER = Buffer.allocUnsafeSlow(16 * 1024);

function connect(
  tls: boolean,
  host: string,
  port: number,
  onData: (chunk: Buffer) => void,
): Socket | TLSSocket {
  // getBuiltinModule, not an ESM import: see docs/agent.md "Memory" (node:tls is loaded only by a
  // node that runs an https probe).
  if (!tls) {
    const onread = {
      buffer: READ_BUFFER,
      callback: (bytes: number, buffer: Uint8Array): boolean => {
        onData(Buffer.from(buffer.subarray(0, bytes)));
        return true;
      },
    };
    return process.getBuiltinModule("node:net").connect({ host, port, onread });
  }
  const isIp = process.getBuiltinModule("node:net").isIP(host) !== 0;
  const socket = process.getBuiltinModule("node:tls").connect({
    host,
    port,
    secureContext: probeSecureContext(),
    rejectUnauthorized: false,
    ...(isIp ? {} : { servername: host }),
  });
  socket.on("data", onData);
  return socket;
}

let secureContext: SecureContext | undefined;

/**
 * One TLS context for every https probe, as the kubelet's prober keeps one transport: without it
 * Node builds an OpenSSL context per connection (docs/agent.md "Memory"). Nothing is verified, so
 * it holds no CA of its own; made on the first https probe.
 */
function probeSecureContext(): SecureContext {
  secureContext ??= process.getBuiltinModule("node:tls").createSecureContext();
  return secureContext;
}

/** The request: Host from a "host" header line when there is one, no keep-alive (kubelet's prober). */
function requestText(req: HttpExchangeRequest): string {
  let host = req.url.host;
  let lines = "";
  for (const [name, value] of req.headers) {
    if (name.toLowerCase() === "host") host = value;
    else lines += `${name}: ${value}\r\n`;
  }
  return `GET ${req.url.pathname}${req.url.search} HTTP/1.1\r\nHost: ${host}\r\n${lines}Connection: close\r\n\r\n`;
}
